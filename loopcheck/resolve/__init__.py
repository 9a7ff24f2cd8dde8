"""Stage 2, resolve: intrinsic functions (`!Ref`, `!Sub`, `!GetAtt`, ...) become symbolic string
patterns; glob and filter matching over those patterns; the one typed accessor for properties."""
