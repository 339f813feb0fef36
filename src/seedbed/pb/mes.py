"""The Method of Equal Shares (MES) with exact outcomes at float speed.

Method (Peters & Skowron, "Proportionality and the limits of welfarism", EC 2020; Peters,
Pierczyński & Skowron, "Proportional participatory budgeting with additive utilities",
NeurIPS 2021; as run by pabutools 1.2.3): every voter starts with b0 = budget / n. A project
p with cost c_p is affordable at price ρ (money per unit of utility) when its supporters,
each paying min(b_i, ρ·u_ip), raise c_p:

    Σ_i min(b_i, ρ·u_ip) = c_p.

Each round funds the project with the smallest such ρ (ties: smallest project id) and its
supporters pay; projects whose supporters hold less than c_p are dropped. Hence after some
rounds a voter's budget is b_i = max(0, b0 − Σ_{funded j ∋ i} ρ_j·u_ij).

Exactness: budgets are kept as floats, one per *budget class* (voters whose payments so far
are identical), and every decision that floats cannot settle with a proven margin (near-ties
between projects, a voter at the poor/rich boundary, money exactly equal to a cost) is
re-decided with `fractions.Fraction` from the exact recurrence above. Exact values are
computed lazily and memoised, so a count without near-ties does no rational arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from seedbed.pb.mes_data import FloatArray, IntArray, MesData, MesRun, Purchase
from seedbed.pb.profile import Profile, exact_dot

_EMPTY = np.zeros(0, dtype=np.int64)
_REL = 1e-9  # proven float error is below 1e-12 relative; the margin is a thousand times that


class _Mes:
    def __init__(self, data: MesData, b0: Fraction, skip: frozenset[int], explain: bool) -> None:
        prof = data.prof
        self.prof = prof
        self.b0 = b0
        self.explain = explain
        n_proj = len(prof.ids)
        self.idx, self.u, self.m = data.idx, data.u, data.m
        self.uf, self.mf, self.total = data.uf, data.mf, data.total
        self.msum, self.uniform = data.msum, data.uniform
        self.u0 = data.u0
        self.cls = np.ones(len(prof.mult), dtype=np.int64)
        self.cbf = np.zeros(1024, dtype=np.float64)
        self.ncls = 2
        b0f = float(b0)
        self.cbf[1] = b0f
        self.bf = np.full(len(prof.mult), b0f)
        self.tol = _REL * max(b0f, 1e-300)
        # class c was made from class parent[c] by paying ρ_k·u with k = via_k[c], u = via_u[c]
        self.parent = np.zeros(1024, dtype=np.int64)
        self.via_k = np.full(1024, -1, dtype=np.int64)
        self.via_u = np.zeros(1024, dtype=np.int64)
        self.exact_b: dict[int, Fraction] = {0: Fraction(0), 1: b0}
        self.purchases: list[Purchase] = []
        self.active = [
            p for p in range(n_proj)
            if p not in skip and self.total[p] > 0 and prof.costs[p] > 0
        ]

    # ---- exact values, computed lazily -------------------------------------------------
    def rho_exact(self, k: int) -> Fraction:
        pur = self.purchases[k]
        if pur.exact_rho is None:
            for j in range(k):
                self.rho_exact(j)
            paid = sum(
                (int(w) * self.budget_exact(int(c)) for c, w in zip(pur.poor_cls, pur.poor_w,
                                                                 strict=True)),
                Fraction(0),
            )
            pur.exact_rho = (self.prof.costs[pur.project] - paid) / pur.rich_den
        return pur.exact_rho

    def budget_exact(self, c: int) -> Fraction:
        chain = []
        while c not in self.exact_b:
            chain.append(c)
            c = int(self.parent[c])
        value = self.exact_b[c]
        for c2 in reversed(chain):
            k, u = int(self.via_k[c2]), int(self.via_u[c2])
            value = value - self.rho_exact(k) * u
            self.exact_b[c2] = value
        return value

    # ---- classes ------------------------------------------------------------------------
    def new_classes(self, parents: IntArray, us: IntArray | int, budgets: FloatArray,
                    k: int) -> IntArray:
        n = len(parents)
        start = self.ncls
        if start + n > len(self.cbf):
            size = max(2 * len(self.cbf), start + n)
            for name in ("cbf", "parent", "via_k", "via_u"):
                old = getattr(self, name)
                grown = np.zeros(size, dtype=old.dtype)
                grown[:start] = old[:start]
                setattr(self, name, grown)
        self.cbf[start:start + n] = budgets
        self.parent[start:start + n] = parents
        self.via_k[start:start + n] = k
        self.via_u[start:start + n] = us
        self.ncls += n
        return np.arange(start, start + n, dtype=np.int64)

    # ---- one project's price ------------------------------------------------------------
    def price(self, p: int) -> tuple[float, float, bool, IntArray] | None:
        """Float ρ of project p, its error bound, whether exactness is in doubt, poor rows.

        None when the supporters' money is (provably) below the cost.
        """
        cost = self.prof.costs[p]
        if self.uniform[p]:
            return self.price_uniform(p, cost)
        b = self.bf[self.idx[p]]
        m = self.mf[p]
        avail = float(m @ b)
        margin = self.msum[p] * self.tol + 1e-12 * cost
        if avail < cost - margin:
            return None
        if avail <= cost + margin and self.money_exact(p) < cost:
            return None
        u = self.uf[p]
        r = b / u
        rho_all = cost / self.total[p]
        rmin = float(r.min())
        if rmin >= rho_all * (1 + 1e-12) + self.tol / float(u.min()):
            return rho_all, rho_all * _REL, False, _EMPTY
        # Poor/rich iteration: voters who cannot pay ρ·u pay all they have; ρ only grows.
        mb, mu = m * b, m * u
        poor_mask = r < rho_all
        npoor = int(np.count_nonzero(poor_mask))
        total = float(self.total[p])
        for _ in range(100):
            den = total - float(mu[poor_mask].sum())
            if den <= 0:  # money equals the cost to rounding: settle it by sorting
                return self.price_sorted(p, b, r)
            rho = (cost - float(mb[poor_mask].sum())) / den
            poor_mask = r < rho
            now = int(np.count_nonzero(poor_mask))
            if now == npoor:
                break
            npoor = now
        else:  # pragma: no cover - a hundred regroupings have never been seen
            return self.price_sorted(p, b, r)
        poor = np.flatnonzero(poor_mask)
        err = rho * _REL + float(m[poor].sum()) * self.tol / den
        band = err + self.tol / u
        doubt = bool(np.any(np.abs(r - rho) <= band))
        return rho, err, doubt, poor

    def price_uniform(self, p: int, cost: int) -> tuple[float, float, bool, IntArray] | None:
        """As `price` when every supporter has the same utility u, by budget class.

        Works in money per supporter, π = ρ·u, over the few distinct budgets among the
        supporters (sorted): π = (c_p − money of those below π) / (voters at or above π).
        The last element returned holds the *classes* that pay all they have.
        """
        w = np.bincount(self.cls[self.idx[p]], weights=self.mf[p])
        cs = np.flatnonzero(w)
        wc, bc = w[cs], self.cbf[cs]
        avail = float(wc @ bc)
        msum = self.msum[p]
        tol = self.tol
        margin = msum * tol + 1e-12 * cost
        if avail < cost - margin:
            return None
        if avail <= cost + margin and self.money_exact(p) < cost:
            return None
        u0 = self.u0[p]
        pi_all = cost / msum
        if float(bc.min()) >= pi_all * (1 + 1e-12) + tol:
            return pi_all / u0, pi_all / u0 * _REL, False, _EMPTY
        order = np.argsort(bc, kind="stable")
        bs, ws = bc[order], wc[order]
        paid_before = np.concatenate(([0.0], np.cumsum(ws * bs)[:-1]))
        count = msum - np.concatenate(([0.0], np.cumsum(ws)[:-1]))
        cand = (cost - paid_before) / count
        ok = np.flatnonzero(cand <= bs)
        k = int(ok[0]) if len(ok) else len(bs) - 1
        pi, den = float(cand[k]), float(count[k])
        rho = pi / u0
        err = rho * _REL + (msum - den) * tol / (den * u0)
        doubt = bool(np.any(np.abs(bs - pi) <= err * u0 + tol))
        return rho, err, doubt, cs[order[:k]]

    def price_sorted(self, p: int, b: FloatArray,
                     r: FloatArray) -> tuple[float, float, bool, IntArray]:
        cost, m, u = self.prof.costs[p], self.mf[p], self.uf[p]
        order = np.argsort(r, kind="stable")
        rs = r[order]
        paid_before = np.concatenate(([0.0], np.cumsum((m * b)[order])[:-1]))
        den = self.total[p] - np.concatenate(([0.0], np.cumsum((m * u)[order])[:-1]))
        cand = (cost - paid_before) / den
        ok = np.flatnonzero(cand <= rs)
        k = int(ok[0]) if len(ok) else len(rs) - 1
        rho = float(cand[k])
        poor = order[:k]
        err = rho * _REL + float(m[poor].sum()) * self.tol / float(den[k])
        doubt = bool(np.any(np.abs(r - rho) <= err + self.tol / u))
        return rho, err, doubt, poor

    def money_exact(self, p: int) -> Fraction:
        c = self.cls[self.idx[p]]
        w = np.bincount(c, weights=self.mf[p])
        return sum((int(round(w[j])) * self.budget_exact(int(j)) for j in np.flatnonzero(w)),
                   Fraction(0))

    def group_key(self, p: int, c: IntArray) -> IntArray:
        """One integer per (class, utility) pair of p's supporters (the class alone when
        all utilities are equal, so large costs cannot overflow the key)."""
        if self.uniform[p]:
            return c
        u = self.u[p]
        return c * (int(u.max()) + 1) + u

    def groups(self, p: int) -> tuple[IntArray, IntArray, IntArray]:
        """Distinct (class, utility) pairs among p's supporters, with their voter counts."""
        c = self.cls[self.idx[p]]
        uniq, inv = np.unique(self.group_key(p, c), return_inverse=True)
        w = np.bincount(inv, weights=self.mf[p]).round().astype(np.int64)
        if self.uniform[p]:
            u0 = int(self.u[p][0])
            return uniq, np.full(len(uniq), u0, dtype=np.int64), w
        base = int(self.u[p].max()) + 1
        return uniq // base, uniq % base, w

    def price_exact(self, p: int, rho_f: float,
                    err: float) -> tuple[Fraction, set[int], set[int]]:
        """Exact ρ of p, the groups that pay all they have, and the groups near the boundary."""
        cost = self.prof.costs[p]
        gc, gu, w = self.groups(p)
        r = self.cbf[gc] / gu
        band = err + self.tol / gu
        poor = np.flatnonzero(r < rho_f - band)
        doubt = np.flatnonzero(np.abs(r - rho_f) <= band)
        paid = sum((int(w[g]) * self.budget_exact(int(gc[g])) for g in poor), Fraction(0))
        den = self.total[p] - exact_dot(w[poor], gu[poor])
        pays_all = set(poor.tolist())
        amb = sorted(doubt.tolist(), key=lambda g: self.budget_exact(int(gc[g])) / int(gu[g]))
        rho = Fraction(cost) - paid
        for g in amb:
            rho = (cost - paid) / den
            bg = self.budget_exact(int(gc[g]))
            if rho * int(gu[g]) <= bg:
                break
            paid += int(w[g]) * bg
            den -= int(w[g]) * int(gu[g])
            pays_all.add(g)
        rho = (cost - paid) / den
        return rho, pays_all, set(doubt.tolist())

    # ---- funding ------------------------------------------------------------------------
    def buy_float(self, p: int, rho: float, poor: IntArray, rnd: int) -> None:
        idx, u, m = self.idx[p], self.u[p], self.m[p]
        c = self.cls[idx]
        k = len(self.purchases)
        if self.uniform[p]:  # `poor` holds budget classes
            u0 = int(u[0]) if len(u) else 1
            lut = np.zeros(self.ncls, dtype=bool)
            lut[poor] = True
            poor_mask = lut[c]
            pc, pw = c[poor_mask], m[poor_mask]
            pu = np.full(len(pc), u0, dtype=np.int64)
            rich_den = self.total[p] - int(pw.sum()) * u0
            self.purchases.append(Purchase(p, rnd, rho, None, self.msum[p], int(pw.sum()),
                                           pc, pu, pw, rich_den))
            pi = idx[poor_mask]
            self.cls[pi] = 0
            self.bf[pi] = 0.0
            rich = ~poor_mask
            ri, rc = idx[rich], c[rich]
            if not len(ri):
                return
            present = np.zeros(self.ncls, dtype=bool)
            present[rc] = True
            parents = np.flatnonzero(present)
            budgets = self.cbf[parents] - rho * u0
            new = self.new_classes(parents, u0, budgets, k)
            remap = np.zeros(len(present), dtype=np.int64)
            remap[parents] = new
            self.cls[ri] = remap[rc]
            lut_b = np.zeros(len(present), dtype=np.float64)
            lut_b[parents] = budgets
            self.bf[ri] = lut_b[rc]
            return
        pc, pu, pw = c[poor], u[poor], m[poor]
        rich_mask = np.ones(len(idx), dtype=bool)
        rich_mask[poor] = False
        rich_den = self.total[p] - exact_dot(pw, pu)
        self.purchases.append(Purchase(p, rnd, rho, None, self.msum[p], int(pw.sum()),
                                       pc, pu, pw, rich_den))
        self.cls[idx[poor]] = 0
        self.bf[idx[poor]] = 0.0
        ri = idx[rich_mask]
        rc, ru = c[rich_mask], u[rich_mask]
        base = int(ru.max()) + 1 if len(ru) else 1
        uniq, inv = np.unique(rc * base + ru, return_inverse=True)
        parents, us = uniq // base, uniq % base
        new = self.new_classes(parents, us, self.cbf[parents] - rho * us, k)
        self.cls[ri] = new[inv]
        self.bf[ri] = self.cbf[self.cls[ri]]

    def buy_exact(self, p: int, rho: Fraction, pays_all: set[int], doubt: set[int],
                  rnd: int) -> None:
        gc, gu, w = self.groups(p)
        k = len(self.purchases)
        zero = np.zeros(len(gc), dtype=bool)
        for g in pays_all:
            zero[g] = True
        exact_new: dict[int, Fraction] = {}
        for g in doubt - pays_all:
            left = self.budget_exact(int(gc[g])) - rho * int(gu[g])
            if left <= 0:
                zero[g] = True
            else:
                exact_new[g] = left
        pay = np.array(sorted(pays_all), dtype=np.int64)
        rich_den = self.total[p] - exact_dot(w[pay], gu[pay]) if len(pay) else self.total[p]
        pur = Purchase(p, rnd, float(rho), rho, self.msum[p], int(w[zero].sum()),
                       gc[pay], gu[pay], w[pay], rich_den)
        self.purchases.append(pur)
        keep = np.flatnonzero(~zero)
        rho_f = float(rho)
        budgets = self.cbf[gc[keep]] - rho_f * gu[keep]
        for pos, g in enumerate(keep.tolist()):
            if g in exact_new:
                budgets[pos] = float(exact_new[g])
        new = self.new_classes(gc[keep], gu[keep], budgets, k)
        for pos, g in enumerate(keep.tolist()):
            if g in exact_new:
                self.exact_b[int(new[pos])] = exact_new[g]
        # map every supporter row to its group's new class
        key = self.group_key(p, self.cls[self.idx[p]])
        gkey = gc if self.uniform[p] else gc * (int(self.u[p].max()) + 1) + gu
        target = np.zeros(len(gc), dtype=np.int64)
        target[keep] = new
        where = np.searchsorted(gkey, key)
        self.cls[self.idx[p]] = target[where]
        self.bf[self.idx[p]] = self.cbf[target[where]]

    # ---- the run ------------------------------------------------------------------------
    def run(self) -> MesRun:
        prof = self.prof
        stale = {p: prof.costs[p] / self.total[p] * (1 - 1e-12) for p in self.active}
        active = set(self.active)
        dropped: dict[int, int] = {}
        selected: list[int] = []
        money_left: dict[int, float] | None = {} if self.explain else None
        rnd = 0
        if money_left is not None:
            self.note_money(active, dropped, money_left, 0)
        while active:
            rnd += 1
            best_hi = np.inf
            computed: list[tuple[int, float, float, bool, IntArray]] = []
            for p in sorted(active, key=stale.__getitem__):
                if stale[p] > best_hi:
                    break
                res = self.price(p)
                if res is None:
                    active.discard(p)
                    dropped[p] = rnd
                    continue
                rho, err, doubt, poor = res
                stale[p] = rho - err
                best_hi = min(best_hi, rho + err)
                computed.append((p, rho, err, doubt, poor))
            cands = [c for c in computed if c[1] - c[2] <= best_hi]
            if not cands:
                break
            if len(cands) == 1 and not cands[0][3]:
                p, rho, _, _, poor = cands[0]
                self.buy_float(p, rho, poor, rnd)
            else:
                exact = {c[0]: self.price_exact(c[0], c[1], c[2]) for c in cands}
                low = min(v[0] for v in exact.values())
                p = min((q for q, v in exact.items() if v[0] == low), key=lambda q: prof.ids[q])
                self.buy_exact(p, low, exact[p][1], exact[p][2], rnd)
            active.discard(p)
            selected.append(p)
            if money_left is not None:
                self.note_money(active, dropped, money_left, rnd)
        if money_left is not None:
            for p in range(len(prof.ids)):
                if p not in money_left and p not in selected and self.total[p] > 0:
                    money_left[p] = float(self.mf[p] @ self.cbf[self.cls[self.idx[p]]])
        return MesRun(selected, self.purchases, dropped, money_left, self.b0, self)

    def note_money(self, active: set[int], dropped: dict[int, int],
                   money_left: dict[int, float], rnd: int) -> None:
        """For explanations: the round after which each project became unaffordable."""
        for p in list(active):
            avail = float(self.mf[p] @ self.cbf[self.cls[self.idx[p]]])
            if avail < self.prof.costs[p] - self.msum[p] * self.tol:
                active.discard(p)
                dropped[p] = rnd
                money_left[p] = avail


def mes_run(prof: Profile | MesData, *, b0: Fraction, skip: frozenset[int] = frozenset(),
            explain: bool = False) -> MesRun:
    """One run of MES with per-voter budget `b0` (in the profile's scaled currency)."""
    data = prof if isinstance(prof, MesData) else MesData(prof)
    return _Mes(data, b0, skip, explain).run()
