from django.urls import path

from seedbed.portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.index, name="index"),
    path("innovations/new/", views.innovation_create, name="innovation_create"),
    path("innovations/<int:innovation_id>/", views.innovation_detail, name="innovation_detail"),
    path("innovations/<int:innovation_id>/edit/", views.innovation_edit, name="innovation_edit"),
    path("innovations/<int:innovation_id>/gate/", views.gate_decide, name="gate_decide"),
    path("innovations/<int:innovation_id>/risks/new/", views.risk_add, name="risk_add"),
    path("innovations/<int:innovation_id>/links/new/", views.link_add, name="link_add"),
    path("innovations/<int:innovation_id>/spend/", views.spend_record, name="spend_record"),
    path("innovations/<int:innovation_id>/risks/roll-up/", views.risks_roll_up, name="risks_roll_up"),
    path("lifecycles/", views.lifecycles, name="lifecycles"),
    path("lifecycles/new/", views.stage_set_create, name="stage_set_create"),
    path("risk-appetite/", views.appetite, name="appetite"),
]
