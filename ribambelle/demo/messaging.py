"""Conversations of the demo: one answered by the canteen (unread by the family), one waiting
for the after-school service. Idempotent: keyed by household and subject."""

from ribambelle.accounts.models import User
from ribambelle.families.models import Household
from ribambelle.messaging import services
from ribambelle.messaging.models import Conversation
from ribambelle.tenants.models import Department, Municipality

THREADS = [
    (
        "DEMO-MARTIN",
        "Restauration scolaire",
        "Absence de Léa jeudi",
        "Bonjour,\nLéa sera absente jeudi pour un rendez-vous. Faut-il annuler son repas ?\n"
        "Merci, Alice Martin",
        "<p>Bonjour Madame Martin,</p><p>Le délai d'annulation est passé : nous avons "
        "<strong>annulé le repas</strong> pour vous, il ne sera pas facturé.</p>",
    ),
    (
        "DEMO-BERNARD",
        "Accueil périscolaire",
        "Horaires de la garderie du soir",
        "Bonjour,\nÀ quelle heure ferme la garderie du soir pendant la semaine de Noël ?",
        "",
    ),
]


def seed_demo_conversations(demo: Municipality) -> None:
    agent = User.objects.filter(municipality=demo, email="agent@demo.ribambelle.fr").first()
    for ref, department_name, subject, question, answer in THREADS:
        household = Household.objects.filter(municipality=demo, external_ref=ref).first()
        department = Department.objects.filter(municipality=demo, name=department_name).first()
        if household is None or department is None:
            continue
        if Conversation.objects.filter(household=household, subject=subject).exists():
            continue
        author = User.objects.filter(guardian__household=household).order_by("pk").first()
        conversation = services.conversation_start(
            actor=author,
            household=household,
            department=department,
            subject=subject,
            body=question,
            is_html=False,
        )
        if answer:
            services.message_post(
                actor=agent,
                conversation=conversation,
                body=answer,
                is_html=True,
                from_staff=True,
            )
