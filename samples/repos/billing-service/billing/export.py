"""The customer export: one CSV line per customer."""

HEADER = "customer_id,name,email,country"


def export_line(customer):
    """One CSV line for a customer dict."""
    fields = [customer["customer_id"], customer["name"], customer["email"], customer["country"]]
    return ",".join(str(field) for field in fields)


def export_customers(customers):
    """The CSV text of the export, header first."""
    return "\n".join([HEADER] + [export_line(c) for c in customers]) + "\n"
