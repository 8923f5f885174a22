"""English date formats for an Indonesian portal: day first, like the Indonesian ones
(Django's ``id``: ``j N Y``, ``d-m-Y``), never month first.

Django's ``en`` shows "May 7, 1990" and "05/07/1990", which an Indonesian reads as 5 July;
here the same date is "7 May 1990" and "07/05/1990" (day/month/year). Input is read day first
too; a date ``<input type="date">`` posts ISO 8601 (``1990-05-07``), which Django always
accepts as well.
"""

DATE_FORMAT = "j F Y"  # 7 May 1990
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 7 May 1990, 14:30
YEAR_MONTH_FORMAT = "F Y"  # May 1990
MONTH_DAY_FORMAT = "j F"  # 7 May
SHORT_DATE_FORMAT = "d/m/Y"  # 07/05/1990
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # 07/05/1990 14:30
FIRST_DAY_OF_WEEK = 1  # Monday, as in Indonesia

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 07/05/1990 (what SHORT_DATE_FORMAT shows)
    "%d-%m-%Y",  # 07-05-1990 (the Indonesian short date)
    "%d/%m/%y",  # 07/05/90
    "%d %B %Y",  # 7 May 1990 (what DATE_FORMAT shows)
    "%d %b %Y",  # 7 May 1990, abbreviated month
    "%Y-%m-%d",  # 1990-05-07 (ISO 8601: date inputs)
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",  # 07/05/1990 14:30:59
    "%d/%m/%Y %H:%M",  # 07/05/1990 14:30
    "%d-%m-%Y %H:%M",  # 07-05-1990 14:30
    "%Y-%m-%d %H:%M:%S",  # 1990-05-07 14:30:59 (ISO 8601)
    "%Y-%m-%d %H:%M",  # 1990-05-07 14:30
]
