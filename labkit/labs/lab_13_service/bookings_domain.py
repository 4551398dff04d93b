"""Bookings: the business rules, and the two ports they need. No AWS anywhere in this file."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MAX_SEATS = 8          # seats one booking may take
GROUP_SEATS = 5        # from this many seats on, the whole booking is 10 % off


class InvalidBooking(ValueError):
    """A booking that can never succeed: sending it again will not help."""


@dataclass(frozen=True)
class Booking:
    booking_id: str
    show: str
    seats: int
    price_cents: int


class BookingStore(Protocol):      # port: where bookings are kept
    def save(self, booking: Booking) -> None: ...
    def get(self, booking_id: str) -> Booking | None: ...


class Notifier(Protocol):          # port: how the rest of the system hears about them
    def publish(self, event: dict) -> None: ...


def price_cents(seats: int, seat_cents: int) -> int:
    """The price of `seats` seats: 10 % off from GROUP_SEATS seats on, rounded down to a cent."""
    full = seats * seat_cents
    if seats >= GROUP_SEATS:
        return full - full // 10
    return full


def book(request: dict, store: BookingStore, notifier: Notifier) -> Booking:
    seats, seat_cents = int(request["seats"]), int(request["seat_cents"])
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidBooking(f"a booking takes 1 to {MAX_SEATS} seats, not {seats}")
    if seat_cents <= 0:
        raise InvalidBooking("a seat has a price")
    booking = Booking(request["booking_id"], request["show"], seats, price_cents(seats, seat_cents))
    store.save(booking)
    notifier.publish({"type": "BookingConfirmed", "booking_id": booking.booking_id,
                      "price_cents": booking.price_cents})
    return booking
