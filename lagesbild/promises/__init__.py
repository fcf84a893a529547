"""Example citizen promises (medborgarlöften) as promise files: Bilaga 3 (Fagersta,
december 2020–februari 2021) and Bilaga 4 (Ludvika 2021), items word for word."""
