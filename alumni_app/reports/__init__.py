"""Office figures, charts, the yearly report, needs for course requests and exchange rates."""
