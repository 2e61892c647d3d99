"""Building blocks of the JSON API that every app's router uses: the one error shape and the
rules every request body keeps. Imports no feature app."""
