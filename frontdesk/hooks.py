"""Hooks other apps will fill in later."""


def room_arrears(room) -> list:
    """Unpaid fees of a room that block a tenant's goods release pass (物品放行需无欠费).

    There is no billing app yet, so this returns NO arrears today: every room is treated as paid
    up. When billing lands it replaces the body with a query of the room's overdue bills and
    returns them (e.g. [(fee name, amount)]); `goods_pass_confirm` and `goods_pass_verify` already
    refuse a tenant's pass when this list is not empty.
    """
    return []
