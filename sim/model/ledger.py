"""The money ledger: every released dollar is spent, committed, refunded, lost or unspent.

Per category (chips, datacenter, leases) the ledger holds the balances of each state. Money
enters as *released*, and moves only along these edges:

    available --commit--> committed --settle--> spent
                          committed --cancel--> refunded (a fraction) + lost (the rest)
    available --lapse---> lapsed     (carry_over: false, at the end of each month)

``refunded`` is terminal: a refund goes back to the company's treasury, not to the capex plan.
``unspent`` is ``available + lapsed``. The identity
``released == spent + committed + refunded + lost + unspent`` holds after every operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CATEGORIES", "Ledger", "LedgerError"]

CATEGORIES = ("chips", "datacenter", "leases")
_EPS = 1e-6  # dollars; absorbs floating-point dust on multi-billion balances


class LedgerError(AssertionError):
    """An operation would break the ledger's rules (a bug in the model, not a user error)."""


@dataclass
class _Account:
    released: float = 0.0
    available: float = 0.0
    committed: float = 0.0
    spent: float = 0.0
    refunded: float = 0.0
    lost: float = 0.0
    lapsed: float = 0.0


@dataclass
class Ledger:
    """Balances by category; all amounts in USD."""

    accounts: dict[str, _Account] = field(
        default_factory=lambda: {c: _Account() for c in CATEGORIES}
    )

    def release(self, category: str, amount: float) -> None:
        """New budget becomes available."""
        account = self.accounts[category]
        account.released += amount
        account.available += amount

    def available(self, category: str) -> float:
        return self.accounts[category].available

    def commit(self, category: str, amount: float) -> None:
        """Reserve ``amount`` of available money for an order, build or lease term."""
        account = self.accounts[category]
        if amount < 0 or amount > account.available + _EPS * max(1.0, amount):
            raise LedgerError(f"commit {amount:.2f} > available {account.available:.2f}")
        account.available = max(0.0, account.available - amount)
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
        for name, a in self.accounts.items():
            parts = a.spent + a.committed + a.refunded + a.lost + a.available + a.lapsed
            if abs(parts - a.released) > _EPS * max(1.0, a.released) * 1e3:
                raise LedgerError(f"{name}: released {a.released:.2f} != parts {parts:.2f}")
            for state in ("available", "committed", "spent", "refunded", "lost", "lapsed"):
                if getattr(a, state) < -_EPS:
                    raise LedgerError(f"{name}: {state} is negative")
