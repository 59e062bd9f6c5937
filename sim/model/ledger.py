"""The money ledger: every released dollar is spent, committed, refunded, lost or unspent.

Per category (chips, datacenter, leases) the ledger holds the balances of each state. Money
enters as *released*, and moves only along these edges:

    available --commit--> committed --settle--> spent
                          committed --cancel--> refunded (a fraction) + lost (the rest)
    available --lapse---> lapsed     (carry_over: false, at the end of each month)
    available --transfer--> another category's available (transferred out / in)

``refunded`` is terminal: a refund goes back to the company's treasury, not to the capex plan.
``unspent`` is ``available + lapsed``. Per category the identity
``released + transferred_in == spent + committed + refunded + lost + unspent + transferred_out``
holds after every operation, and transfers cancel out over the categories.

Available money remembers the month it was released (its vintage); commits spend the oldest
first, so :meth:`Ledger.transfer` can move money that has waited long enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.model.errors import LedgerError

__all__ = ["CATEGORIES", "Ledger", "LedgerError"]

CATEGORIES = ("chips", "datacenter", "leases")
_EPS = 1e-6  # dollars; absorbs floating-point dust on multi-billion balances


@dataclass
class _Account:
    released: float = 0.0
    available: float = 0.0
    committed: float = 0.0
    spent: float = 0.0
    refunded: float = 0.0
    lost: float = 0.0
    lapsed: float = 0.0
    transferred_in: float = 0.0
    transferred_out: float = 0.0
    vintages: list[list[float]] = field(default_factory=list)
    """[month released, amount] of the available money, oldest first."""

    def take(self, amount: float) -> None:
        """Remove ``amount`` of available money, oldest vintage first."""
        self.available = max(0.0, self.available - amount)
        left = amount
        while left > 0.0 and self.vintages:
            first = self.vintages[0]
            if first[1] > left:
                first[1] -= left
                return
            left -= first[1]
            self.vintages.pop(0)


@dataclass
class Ledger:
    """Balances by category; all amounts in USD."""

    accounts: dict[str, _Account] = field(
        default_factory=lambda: {c: _Account() for c in CATEGORIES}
    )

    def release(self, category: str, amount: float, month: float = 0.0) -> None:
        """New budget becomes available (released in ``month``)."""
        account = self.accounts[category]
        account.released += amount
        account.available += amount
        account.vintages.append([month, amount])

    def transfer(self, source: str, target: str, older_than: float, share: float) -> float:
        """Move ``share`` of the ``source`` money released at or before month ``older_than``
        to ``target`` (keeping its vintage); returns the amount moved."""
        src, dst = self.accounts[source], self.accounts[target]
        moved = 0.0
        for vintage in src.vintages:
            if vintage[0] > older_than + 1e-9:
                break
            amount = vintage[1] * share
            vintage[1] -= amount
            moved += amount
            dst.vintages.append([vintage[0], amount])
        src.vintages = [v for v in src.vintages if v[1] > 0.0]
        dst.vintages.sort(key=lambda v: v[0])
        src.available = max(0.0, src.available - moved)
        src.transferred_out += moved
        dst.available += moved
        dst.transferred_in += moved
        return moved

    def available(self, category: str) -> float:
        return self.accounts[category].available

    def commit(self, category: str, amount: float) -> None:
        """Reserve ``amount`` of available money for an order, build or lease term."""
        account = self.accounts[category]
        if amount < 0 or amount > account.available + _EPS * max(1.0, amount):
            raise LedgerError(f"commit {amount:.2f} > available {account.available:.2f}")
        account.take(amount)
        account.committed += amount

    def settle(self, category: str, amount: float) -> None:
        """Committed money is paid for something received (delivered, built, used)."""
        account = self.accounts[category]
        self._take_committed(account, amount)
        account.spent += amount

    def cancel(self, category: str, amount: float, refund_fraction: float) -> float:
        """Committed money is cancelled; returns the part lost (not refunded)."""
        account = self.accounts[category]
        self._take_committed(account, amount)
        refund = amount * refund_fraction
        account.refunded += refund
        account.lost += amount - refund
        return amount - refund

    def lapse(self) -> None:
        """Unspent money does not carry over: all available money lapses."""
        for account in self.accounts.values():
            account.lapsed += account.available
            account.available = 0.0
            account.vintages.clear()

    @staticmethod
    def _take_committed(account: _Account, amount: float) -> None:
        if amount < 0 or amount > account.committed + _EPS * max(1.0, amount):
            raise LedgerError(f"settle/cancel {amount:.2f} > committed {account.committed:.2f}")
        account.committed = max(0.0, account.committed - amount)

    def total(self, state: str) -> float:
        """The sum of one state over categories (``unspent`` = available + lapsed)."""
        if state == "unspent":
            return self.total("available") + self.total("lapsed")
        return float(sum(getattr(a, state) for a in self.accounts.values()))

    def check(self) -> None:
        """Raise :class:`LedgerError` unless every account balances."""
        moved_in, moved_out = self.total("transferred_in"), self.total("transferred_out")
        if abs(moved_in - moved_out) > _EPS * max(1.0, moved_in) * 1e3:
            raise LedgerError(f"transfers in {moved_in:.2f} != out {moved_out:.2f}")
        for name, a in self.accounts.items():
            parts = (a.spent + a.committed + a.refunded + a.lost + a.available + a.lapsed
                     + a.transferred_out)
            inflow = a.released + a.transferred_in
            if abs(parts - inflow) > _EPS * max(1.0, inflow) * 1e3:
                raise LedgerError(f"{name}: released {inflow:.2f} != parts {parts:.2f}")
            vintages = sum(v[1] for v in a.vintages)
            if abs(vintages - a.available) > _EPS * max(1.0, a.available) * 1e3:
                raise LedgerError(f"{name}: vintages {vintages:.2f} != available "
                                  f"{a.available:.2f}")
            for state in ("available", "committed", "spent", "refunded", "lost", "lapsed",
                          "transferred_in", "transferred_out"):
                if getattr(a, state) < -_EPS:
                    raise LedgerError(f"{name}: {state} is negative")
