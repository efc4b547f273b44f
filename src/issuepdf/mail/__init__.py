"""The email edition: the draft (PDF within its budget, message) and sending it with a never-twice log."""
