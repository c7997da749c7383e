"""The record kinds a workspace holds: one declaration drives the database tables, the importers'
validation and column maps, and the documentation (docs/data.md is generated from it).

Conventions:
- key columns are named the same everywhere: ``market``, ``sku_id``, ``creator_id``, ``video_id``,
  ``session_id``, ``order_id``, ``buyer_id``;
- money columns sit beside a ``currency`` column (ISO 4217) in the same record;
- timestamps are stored in UTC (``ts`` type); the market's time zone is in ``markets``;
- ratios are never stored: they are recomputed from summed numerators and denominators.

``aliases`` are other column names accepted on import, chiefly TikTok Shop Seller Center export
headers (matched case- and space-insensitively).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColType = Literal["str", "int", "float", "ts", "date"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColType
    help: str
    required: bool = False
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    ref: str | None = None  # "kind.column" this value must exist in (when not null)
    aliases: tuple[str, ...] = ()
    default: str | float | None = None  # filled in when the column is absent from a file
    pattern: tuple[str, str] | None = None  # (regular expression, what it means in words)


@dataclass(frozen=True)
class Kind:
    name: str
    help: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    time_column: str | None = None  # for status date ranges
    aliases_note: str = ""
    # (col_a, op, col_b): e.g. ("actual_end", ">", "actual_start")
    checks: tuple[tuple[str, str, str], ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, type: ColType, help: str, **kw: object) -> Column:
    return Column(name, type, help, **kw)  # type: ignore[arg-type]


def _count(name: str, help: str, *aliases: str) -> Column:
    return Column(name, "int", help, min=0, aliases=aliases)


def _money(name: str, help: str, *aliases: str) -> Column:
    return Column(name, "float", help, min=0, aliases=aliases)


CURRENCY = _c("currency", "str", "ISO 4217 code of every money column in the row", required=True)
MARKET_REF = _c(
    "market",
    "str",
    "market code",
    required=True,
    ref="markets.market",
    aliases=("Country", "Region", "Market"),
)

CATEGORIES = (
    "beauty_personal_care",
    "mobile_digital",
    "fashion",
    "home",
    "food",
    "health",
    "sports_outdoor",
    "toys",
    "other",
)
CREATOR_KINDS = ("koc", "influencer", "pro_host", "store_account")
VIDEO_PURPOSES = ("test", "warmup", "evergreen")
CHANNELS = ("live", "video", "shop")
AD_PHASES = ("pre_live", "live", "closing")
PRODUCT_ROLES = ("hook", "hero", "profit", "test", "closing")
TRAFFIC_SOURCES = ("foryou", "follows", "video", "ads", "search", "other")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK_TIME = (r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "a time of day HH:MM (00:00 to 24:00)")

MARKETS = Kind(
    "markets",
    "Countries or regions the brand sells in, with currency and time zone.",
    key=("market",),
    columns=(
        _c("market", "str", "market code, e.g. US, UK, ID", required=True),
        _c("name", "str", "display name"),
        _c("currency", "str", "local currency, ISO 4217", required=True),
        _c(
            "timezone",
            "str",
            "IANA time zone of the market's lives, e.g. America/New_York",
            required=True,
        ),
    ),
)

PRODUCTS = Kind(
    "products",
    "Products and their SKUs (one row per SKU).",
    key=("sku_id",),
    columns=(
        _c("sku_id", "str", "SKU id", required=True, aliases=("SKU ID",)),
        _c("product_id", "str", "product (SPU) id grouping SKUs", aliases=("Product ID",)),
        _c("product_name", "str", "product name", aliases=("Product Name",)),
        _c("variation", "str", "variation, e.g. shade or size", aliases=("Variation",)),
        _c("seller_sku", "str", "the seller's own SKU code", aliases=("Seller SKU",)),
        _c("category", "str", "category", required=True, choices=CATEGORIES),
        _money("price", "list price", "SKU Unit Original Price"),
        _money("unit_cost", "landed unit cost"),
        CURRENCY,
    ),
)

CREATORS = Kind(
    "creators",
    "Creators and hosts: KOCs, influencers, professional hosts, store accounts; accepts "
    "creator lists as TikTok Shop Affiliate Center and third-party tools export them.",
    key=("creator_id",),
    aliases_note="A creator list without kind takes `influencer` for 100,000 followers or more and "
    "`koc` below; without markets or currency, pass `--market` (the list's market and its "
    "currency).",
    columns=(
        _c(
            "creator_id",
            "str",
            "creator id (TikTok handle or your own id)",
            required=True,
            aliases=("Creator handle", "Creator username", "Handle", "Username", "Creator ID"),
        ),
        _c("name", "str", "display name", aliases=("Creator name", "Nickname", "Display name")),
        _c(
            "kind",
            "str",
            "koc, influencer, pro_host or store_account",
            required=True,
            choices=CREATOR_KINDS,
            aliases=("Creator type", "Type"),
        ),
        _c("markets", "str", "markets served, comma separated", aliases=("Country", "Region")),
        _c(
            "categories",
            "str",
            "categories, comma separated",
            aliases=("Categories", "Category", "Product categories", "Main category"),
        ),
        _count("followers", "followers", "Followers", "Follower count", "Followers count"),
        _money("fee", "fixed fee per video or live", "Fee", "Flat fee", "Fixed fee", "Rate"),
        _c(
            "commission_rate",
            "float",
            "commission on GMV, 0 to 1 (15% is read as 0.15)",
            min=0,
            max=1,
            aliases=("Commission rate", "Commission", "Avg. commission rate"),
        ),
        _money(
            "gmv", "GMV the creator sold (as the export reports it)", "GMV", "Creator GMV", "Sales"
        ),
        _count("items_sold", "items the creator sold", "Items sold", "Units sold", "Sold"),
        _c(
            "currency",
            "str",
            "ISO 4217 code of every money column in the row",
            required=True,
            aliases=("Currency",),
        ),
    ),
)


HOST_AVAILABILITY = Kind(
    "host_availability",
    "When professional hosts can run the store's lives: one row per host and weekday, in the "
    "local time of the host's first market (read by `livecart hosts roster`).",
    key=("host_id", "weekday"),
    aliases_note="A host with no row is not available that week; with no rows at all every "
    "professional host is available every day.",
    checks=(("end_time", ">", "start_time"),),
    columns=(
        _c(
            "host_id",
            "str",
            "creator id of the host",
            required=True,
            ref="creators.creator_id",
            aliases=("Host", "Host ID", "Creator ID"),
        ),
        _c(
            "weekday",
            "str",
            "mon, tue, wed, thu, fri, sat or sun",
            required=True,
            choices=WEEKDAYS,
            aliases=("Day", "Day of week"),
        ),
        _c(
            "start_time",
            "str",
            "first available local time, HH:MM",
            required=True,
            pattern=CLOCK_TIME,
            aliases=("from", "Start", "Available from"),
        ),
        _c(
            "end_time",
            "str",
            "end of the available hours, HH:MM local (24:00 for midnight)",
            required=True,
            pattern=CLOCK_TIME,
            aliases=("to", "End", "Available to", "Until"),
        ),
        _c(
            "markets",
            "str",
            "markets the host can serve, comma separated (default: the creators table's)",
            aliases=("Markets",),
        ),
        _c(
            "max_hours_day",
            "float",
            "most hours a day (default 8)",
            min=0,
            max=24,
            aliases=("Max hours per day", "Hours per day"),
        ),
        _c(
            "max_hours_week",
            "float",
            "most hours a week (default 40)",
            min=0,
            max=168,
            aliases=("Max hours per week", "Hours per week"),
        ),
    ),
)


VIDEOS = Kind(
    "videos",
    "Short videos: KOC tests, pre-live warm-ups, evergreen content.",
    key=("video_id",),
    time_column="posted_at",
    columns=(
        _c("video_id", "str", "video id", required=True, aliases=("Video ID",)),
        _c("creator_id", "str", "creator", required=True, ref="creators.creator_id"),
        _c("sku_id", "str", "product featured", required=True, ref="products.sku_id"),
        MARKET_REF,
        _c("purpose", "str", "test, warmup or evergreen", required=True, choices=VIDEO_PURPOSES),
        _c("session_id", "str", "for a warm-up: the live it promotes"),
        _c("posted_at", "ts", "posting time, UTC", required=True, aliases=("Post time",)),
        _count("views", "video views", "Video views", "VV"),
        _count("likes", "likes", "Likes"),
        _count("comments", "comments", "Comments"),
        _count("shares", "shares", "Shares"),
        _count("product_clicks", "product clicks", "Product clicks"),
        _count("add_to_carts", "add-to-carts"),
        _count("orders", "orders", "Orders"),
        _money("gmv", "GMV", "GMV"),
        CURRENCY,
    ),
)

SESSIONS = Kind(
    "sessions",
    "Live sessions (one row per LIVE); accepts the Seller Center LIVE list export.",
    key=("session_id",),
    time_column="actual_start",
    checks=(("planned_end", ">", "planned_start"), ("actual_end", ">", "actual_start")),
    columns=(
        _c("session_id", "str", "live session id", required=True, aliases=("LIVE ID", "Live ID")),
        _c("room", "str", "room or account the live runs on", aliases=("Creator", "Account")),
        _c("title", "str", "room title", aliases=("Room Title", "LIVE name")),
        _c("host_ids", "str", "host creator ids, comma separated"),
        MARKET_REF,
        _c("planned_start", "ts", "planned start, UTC"),
        _c("planned_end", "ts", "planned end, UTC"),
        _c("actual_start", "ts", "actual start, UTC", aliases=("Start Time", "Launched Time")),
        _c("actual_end", "ts", "actual end, UTC", aliases=("End Time",)),
        _money("gmv", "attributed GMV (payment-based)", "Attributed GMV", "GMV"),
        _count("orders", "attributed SKU orders", "Attributed orders", "SKU orders"),
        _count("items_sold", "units sold", "Items sold"),
        _count("customers", "unique buyers", "Customers"),
        _count("views", "room entries, re-entries counted", "Views"),
        _count("impressions", "LIVE impressions in feeds", "Impressions"),
        _count("product_impressions", "product impressions", "Product Impressions"),
        _count("product_clicks", "product clicks", "Product clicks"),
        _count("new_followers", "new followers", "New followers"),
        _count("comments", "comments", "Comments"),
        _count("shares", "shares", "Shares"),
        _count("likes", "likes", "Likes"),
        _c(
            "avg_view_seconds",
            "float",
            "average viewing duration per view, seconds",
            min=0,
            aliases=("Avg. viewing duration", "Avg. viewing duration (s)"),
        ),
        _c("currency", "str", "currency of gmv (defaults to the market's)"),
    ),
)

LIVE_MINUTES = Kind(
    "live_minutes",
    "Per-minute metrics of a live session.",
    key=("session_id", "minute"),
    time_column="ts",
    columns=(
        _c("session_id", "str", "session", required=True, ref="sessions.session_id"),
        _c("minute", "int", "minutes since the live started, from 0", required=True, min=0),
        _c("ts", "ts", "start of the minute, UTC", required=True),
        _count("viewers_online", "viewers online at the end of the minute"),
        _count("viewers_peak", "peak viewers online within the minute"),
        _count("entries", "room entries"),
        _count("exits", "room exits"),
        _count("new_followers", "new followers"),
        _count("fan_club_joins", "fan-club joins"),
        _count("comments", "comments"),
        _count("likes", "likes"),
        _count("shares", "shares"),
        _count("gifts", "gifts"),
        _count("product_impressions", "product impressions"),
        _count("product_clicks", "product clicks"),
        _count("add_to_carts", "add-to-carts"),
        _count("orders", "SKU orders"),
        _count("units", "units sold"),
        _money("gmv", "GMV"),
        *(_count(f"traffic_{s}", f"entries from {s}") for s in TRAFFIC_SOURCES),
        _money("ad_spend", "LIVE ads spend in the minute"),
        _c("currency", "str", "currency of gmv and ad_spend"),
    ),
)

SESSION_PRODUCTS = Kind(
    "session_products",
    "Products in a session's line-up: price, stock and pin time.",
    key=("session_id", "sku_id"),
    columns=(
        _c("session_id", "str", "session", required=True, ref="sessions.session_id"),
        _c("sku_id", "str", "SKU", required=True, ref="products.sku_id"),
        _c("position", "int", "order in the line-up, from 1", min=1),
        _c("role", "str", "hook, hero, profit, test or closing", choices=PRODUCT_ROLES),
        _money("price", "live price"),
        _count("stock_start", "stock at the start"),
        _count("stock_end", "stock left at the end"),
        _c("first_pin_minute", "int", "minute first pinned", min=0),
        _count("pinned_minutes", "minutes pinned in all"),
        _c("stockout_minute", "int", "minute it sold out, if it did", min=0),
        _c("currency", "str", "currency of price"),
    ),
)

ORDERS = Kind(
    "orders",
    "Order lines (one row per order x SKU); accepts the Seller Center order export.",
    key=("order_id", "sku_id"),
    time_column="created_at",
    aliases_note="The Seller Center OrderSKUList export imports as it comes.",
    columns=(
        _c("order_id", "str", "order id", required=True, aliases=("Order ID",)),
        _c("sku_id", "str", "SKU", required=True, ref="products.sku_id", aliases=("SKU ID",)),
        _c("buyer_id", "str", "buyer", aliases=("Buyer Username", "Buyer ID")),
        _c("market", "str", "market code", ref="markets.market", aliases=("Country",)),
        _c("quantity", "int", "units", required=True, min=1, aliases=("Quantity",)),
        _money("unit_price", "unit list price", "SKU Unit Original Price"),
        _money("seller_discount", "seller discount on the line", "SKU Seller Discount"),
        _money("platform_discount", "platform discount on the line", "SKU Platform Discount"),
        _money(
            "subtotal",
            "line amount after discounts (the line's GMV)",
            "SKU Subtotal After Discount",
        ),
        _money("order_amount", "whole order amount", "Order Amount"),
        _c("currency", "str", "currency (defaults to the market's)"),
        _c("created_at", "ts", "created time, UTC", required=True, aliases=("Created Time",)),
        _c("paid_at", "ts", "paid time, UTC", aliases=("Paid Time",)),
        _c("channel", "str", "live, video or shop", choices=CHANNELS),
        _c("session_id", "str", "live session credited"),
        _c("video_id", "str", "video credited"),
        _c("status", "str", "order status", aliases=("Order Status",)),
        _c(
            "cancel_return_type",
            "str",
            "cancellation or return, if any",
            aliases=("Cancelation/Return Type", "Cancellation/Return Type"),
        ),
        _c("seller_sku", "str", "seller SKU", aliases=("Seller SKU",)),
        _c("product_name", "str", "product name", aliases=("Product Name",)),
        _c("variation", "str", "variation", aliases=("Variation",)),
    ),
)

AD_SPEND = Kind(
    "ad_spend",
    "Ad spend by campaign and time (GMV Max or LIVE ads), with its phase.",
    key=("campaign_id", "ts"),
    time_column="ts",
    columns=(
        _c("campaign_id", "str", "campaign id", required=True, aliases=("Campaign ID",)),
        _c("session_id", "str", "live session the spend supports"),
        _c("market", "str", "market", ref="markets.market"),
        _c("phase", "str", "pre_live, live or closing", required=True, choices=AD_PHASES),
        _c("ts", "ts", "start of the spend period, UTC", required=True),
        _money("spend", "spend", "Cost"),
        _count("impressions", "ad impressions", "Impressions"),
        _count("clicks", "ad clicks", "Clicks"),
        _money("attributed_gmv", "GMV attributed to the ads", "Gross revenue"),
        CURRENCY,
    ),
)

INVENTORY = Kind(
    "inventory",
    "Stock per SKU and location: on hand, inbound with its arrival, lead time.",
    key=("sku_id", "location", "as_of"),
    time_column="as_of",
    columns=(
        _c("sku_id", "str", "SKU", required=True, ref="products.sku_id"),
        _c("location", "str", "warehouse or market", required=True),
        _c("as_of", "date", "date of the snapshot", required=True),
        _count("on_hand", "units on hand"),
        _count("inbound", "units on the way"),
        _c("inbound_arrival", "date", "expected arrival of the inbound units"),
        _c("lead_time_days", "int", "days from ordering to arrival", min=0),
    ),
)

BUYERS = Kind(
    "buyers",
    "Buyers and fans: when they followed and joined the fan club.",
    key=("buyer_id",),
    time_column="first_seen_at",
    columns=(
        _c("buyer_id", "str", "buyer", required=True),
        _c("market", "str", "market", ref="markets.market"),
        _c("first_seen_at", "ts", "first seen, UTC"),
        _c("followed_at", "ts", "followed the account, UTC"),
        _c("fan_club_joined_at", "ts", "joined the fan club, UTC"),
    ),
)

FX_RATES = Kind(
    "fx_rates",
    "Dated exchange rates: one unit of `currency` is worth `rate` units of `quote`.",
    key=("date", "currency", "quote"),
    time_column="date",
    columns=(
        _c("date", "date", "date the rate holds from", required=True),
        _c("currency", "str", "currency converted from", required=True),
        _c("quote", "str", "currency converted to", required=True),
        _c("rate", "float", "units of quote per unit of currency", required=True, min=0),
    ),
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        MARKETS,
        PRODUCTS,
        CREATORS,
        HOST_AVAILABILITY,
        VIDEOS,
        SESSIONS,
        LIVE_MINUTES,
        SESSION_PRODUCTS,
        ORDERS,
        AD_SPEND,
        INVENTORY,
        BUYERS,
        FX_RATES,
    )
}

# Order in which kinds can be loaded so every reference exists first.
LOAD_ORDER = list(KINDS)


def kind(name: str) -> Kind:
    from livecart.errors import UnknownKindError

    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKindError(
            f"unknown record kind {name!r}; known kinds: {', '.join(KINDS)}"
        ) from None
