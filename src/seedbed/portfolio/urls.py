from django.urls import path

from seedbed.portfolio.views import decision, innovation, lifecycle, risk

app_name = "portfolio"

urlpatterns = [
    path("", innovation.index, name="index"),
    path("innovations/new/", innovation.innovation_create, name="innovation_create"),
    path("innovations/<int:innovation_id>/", innovation.innovation_detail, name="innovation_detail"),
    path("innovations/<int:innovation_id>/edit/", innovation.innovation_edit, name="innovation_edit"),
    path("innovations/<int:innovation_id>/gate/", decision.gate_decide, name="gate_decide"),
    path("innovations/<int:innovation_id>/risks/new/", risk.risk_add, name="risk_add"),
    path("innovations/<int:innovation_id>/links/new/", innovation.link_add, name="link_add"),
    path("innovations/<int:innovation_id>/spend/", innovation.spend_record, name="spend_record"),
    path("innovations/<int:innovation_id>/risks/roll-up/", risk.risks_roll_up, name="risks_roll_up"),
    path("lifecycles/", lifecycle.lifecycles, name="lifecycles"),
    path("lifecycles/new/", lifecycle.stage_set_create, name="stage_set_create"),
    path("risk-appetite/", risk.appetite, name="appetite"),
]
