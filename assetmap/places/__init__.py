"""Places: "where is this?" for postcodes, districts, coordinates and place names, answered once.

``resolve`` decides where a typed query or a record's clues put it (point, precision, flags) and
which areas that point is in; ``postcodes`` is the offline ONS postcode directory; ``gazetteer``
reads place names from the areas loaded; ``cache`` keeps the directory and the area index loaded
in a long-running process. The CLI's ``locate``, ingest's locate step and search's "near" all call it.
"""
