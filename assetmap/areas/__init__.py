"""Areas: ONS boundaries fetched and loaded, and the read side that finds them again.

``manifest`` says which ONS layers the project uses and where their files are; ``ons_portal``
downloads them; ``boundaries`` loads polygons and lookups into ``Area`` rows; ``queries`` reads
them back (the current areas, the area index, names, outlines in a box).
"""
