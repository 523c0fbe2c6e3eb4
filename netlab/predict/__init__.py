"""Predict, then see: exercises made from a Trace (``netlab simulate ... --predict``)."""
