"""Meals (餐饮预定, API.md §3) and the canteen console: what handlers and jobs call.

menus.py (menus: engine resource, pickup slots, dish counters, cached shapes), orders.py
(ordering through the booking engine with record steps, cancel, the waitlist's promotion
step), canteen.py (prep summary, redeem, pickup QR, the deadline and no-show jobs).
"""

from services.meals.canteen import close_menus, mark_no_shows, pickup_qr_png, redeem, summary
from services.meals.menus import (
    MEAL_NAMES,
    PLACED,
    create_menu,
    list_menus,
    menu_shape,
    menu_view,
)
from services.meals.orders import (
    cancel_order,
    get_order,
    list_orders,
    order_view,
    orders_of,
    own_order,
    place_order,
    record_promotion,
)
from services.meals.shapes import (
    Dish,
    DishCount,
    DishIn,
    Item,
    LineIn,
    Menu,
    MenuList,
    Order,
    OrderPage,
    Slot,
    SlotCount,
    SlotIn,
    SlotRef,
    Summary,
)

__all__ = [
    "MEAL_NAMES",
    "PLACED",
    "Dish",
    "DishCount",
    "DishIn",
    "Item",
    "LineIn",
    "Menu",
    "MenuList",
    "Order",
    "OrderPage",
    "Slot",
    "SlotCount",
    "SlotIn",
    "SlotRef",
    "Summary",
    "cancel_order",
    "close_menus",
    "create_menu",
    "get_order",
    "list_menus",
    "list_orders",
    "mark_no_shows",
    "menu_shape",
    "menu_view",
    "order_view",
    "orders_of",
    "own_order",
    "pickup_qr_png",
    "place_order",
    "record_promotion",
    "redeem",
    "summary",
]
