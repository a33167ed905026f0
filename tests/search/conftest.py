"""Search fixtures: an index in a temporary directory and readers without a database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lms.search.documents import make_document
from lms.search.index import close_searchers, write_documents


@dataclass
class FakeDepartment:
    code: str


@dataclass
class Reader:
    """What ``search`` needs of a user: roles, a department and a locale."""

    roles: set[str] = field(default_factory=set)
    department: FakeDepartment | None = None
    locale: str = "ru"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@pytest.fixture(autouse=True)
def _close_searchers() -> Iterator[None]:
    yield
    close_searchers()


@pytest.fixture
def index_dir(tmp_path: Path) -> str:
    return str(tmp_path / "index")


@pytest.fixture
def editor() -> Reader:
    return Reader(roles={"editor"})


@pytest.fixture
def line1_agent() -> Reader:
    return Reader(roles={"agent"}, department=FakeDepartment("line1"))


@pytest.fixture
def line2_agent() -> Reader:
    return Reader(roles={"agent"}, department=FakeDepartment("line2"))


KB = [
    make_document(
        slug="refund-order",
        title="Возврат заказа",
        body="Как оформить возврат заказа: проверьте номер заказа и способ оплаты. "
        "Возвраты по карте занимают до 10 дней.",
        category="orders",
        tags=["возврат", "оплата"],
    ),
    make_document(
        slug="delivery-times",
        title="Сроки доставки",
        body="Доставка курьером занимает два дня, самовывоз — один день.",
        category="delivery",
        tags=["доставка"],
    ),
    make_document(
        slug="qr-payment",
        title="Оплата по QR-коду",
        body="Клиент сканирует QR-код в приложении банка. Ёлочные игрушки не продаём.",
        category="payments",
        tags=["оплата", "qr"],
    ),
    make_document(
        slug="card-refund-line2",
        title="Возврат на карту: сложные случаи",
        body="Только для второй линии: возврат денег на закрытую карту.",
        category="orders",
        departments=["line2"],
    ),
    make_document(
        slug="english-refunds",
        title="Refunds policy",
        body="Refunds are processed within ten days after the payment is cancelled.",
        category="policies",
        kind="regulation",
        lang="en",
    ),
    make_document(
        slug="escaping",
        title="Опасный пример",
        body="Никогда не вставляйте <script>alert(1)</script> в ответ клиенту.",
        category="security",
    ),
]


@pytest.fixture
def kb_index(index_dir: str) -> str:
    write_documents(index_dir, KB, [])
    return index_dir
