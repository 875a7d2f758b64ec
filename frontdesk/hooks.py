"""What the front desk asks the money side (billing sits below the front desk: it may be imported)."""

from billing.selectors import arrears_policy, owed_fen


def room_arrears(room) -> int:
    """What the room owes now, in fen: the open rest of its bills (disputed ones included), the
    figure a goods release pass is checked against (物品放行需无欠费)."""
    return owed_fen(room.pk)


def goods_pass_policy(company_id: int) -> str:
    """BillingSettings.goods_pass_arrears: warn (提示) or block (需主管批准)."""
    return arrears_policy(company_id, "goods_pass")
