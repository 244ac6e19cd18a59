"""Provider set-up for Cognito: ``atoll cognito setup``, ``group add``, ``user add-to-group``.

boto3 is imported only when a command runs, so ``atoll build`` stays quick.
"""

from atoll.cognito.aws import Cognito, CognitoError, authority, pool_of_authority, region_of_pool
from atoll.cognito.groups import add_group, add_user_to_group
from atoll.cognito.setup import SetupOptions, SetupResult, setup

__all__ = ["Cognito", "CognitoError", "SetupOptions", "SetupResult", "add_group", "add_user_to_group", "authority",
           "pool_of_authority", "region_of_pool", "setup"]
