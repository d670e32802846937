"""``make bench``: the application's figures against bare Flask baselines, as JSON.

Not part of the installed package (setup.cfg only packages ``cryptoparty*``).
"""
