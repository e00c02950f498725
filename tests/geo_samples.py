"""Named test geometries (shapely's tests/common.py idea): each one says what it is for."""

import shapely

SQUARE = shapely.box(0, 0, 10, 10)  # ward A
NEIGHBOUR = shapely.box(10, 0, 20, 10)  # ward B shares the edge x = 10
SQUARE_WITH_HOLE = shapely.Polygon([(30, 0), (40, 0), (40, 10), (30, 10)], holes=[[(33, 3), (37, 3), (37, 7), (33, 7)]])
BOWTIE = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # self-intersecting, invalid
EMPTY = shapely.Polygon()
INSIDE_A = (5.0, 5.0)  # (x, y) = (lon, lat)
ON_SHARED_EDGE = (10.0, 5.0)
IN_HOLE = (35.0, 5.0)
OUTSIDE_ALL = (100.0, 100.0)
