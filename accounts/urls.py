from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("warga/", views.citizen_home, name="citizen_home"),
    path("warga/profil/", views.profile_edit, name="profile"),
    path("warga/profil/wilayah/", views.regency_options, name="regency_options"),
    path("warga/profil/ponsel/", views.phone_verify, name="phone"),
    path("warga/identitas/", views.identity_verify, name="identity"),
    path("staf/", views.staff_home, name="staff_home"),
    path("staf/identitas/", views.staff_identity, name="staff_identity"),
    path("staf/identitas/sengketa/", views.staff_disputes, name="staff_disputes"),
    path(
        "staf/identitas/sengketa/<uuid:public_id>/", views.staff_dispute_settle, name="staff_dispute_settle"
    ),
    path("staf/undangan/", views.staff_invite, name="staff_invite"),
    path(
        "undangan/<uuid:public_id>/<str:token>/",
        views.staff_invitation_accept,
        name="staff_invitation_accept",
    ),
    path("kurir/", views.courier_home, name="courier_home"),
]
