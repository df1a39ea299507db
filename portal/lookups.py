"""``field__any=[...]``: membership in a long list as one array parameter on PostgreSQL.

``__in`` with thousands of values sends thousands of placeholders, which the driver
parses in Python on every query; ``= ANY(%s)`` sends one array. Other databases get a
plain ``IN``. Used by the set-based look-ups of the bulk writes.
"""

from django.db.models import Field, Lookup


@Field.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
