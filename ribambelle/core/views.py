from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from ribambelle.core import mailbox


def _debug_only():
    if not (settings.DEBUG and settings.EMAIL_MODE == "mailbox"):
        raise Http404


def mailbox_list(request):
    """Development mailbox (DEBUG only): the e-mails the demo has sent."""
    _debug_only()
    return render(request, "core/mailbox_list.html", {"emails": mailbox.list_emails()})


def mailbox_detail(request, ident: str):
    _debug_only()
    message = mailbox.get_email(ident)
    if message is None:
        raise Http404
    return render(request, "core/mailbox_detail.html", {"message": message})
