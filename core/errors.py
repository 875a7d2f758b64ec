"""The errors services raise; views and the API turn each into a message for the user."""


class ServiceError(Exception):
    """Base: a write was refused and nothing changed."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = str(message)


class ActionRefused(ServiceError):
    """Not allowed in this state or to this user: the message says why."""

    status = 403


class Conflict(ServiceError):
    """Someone else changed the record first; reload and try again."""

    status = 409
