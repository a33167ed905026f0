"""Every domain's models, imported once so metadata (and Alembic) sees all tables."""

from lms.auth import models as auth_models  # noqa: F401
from lms.courses import models as courses_models  # noqa: F401
from lms.evaluation import models as evaluation_models  # noqa: F401
from lms.evaluation import survey_models as evaluation_survey_models  # noqa: F401
from lms.gaps import models as gaps_models  # noqa: F401
from lms.kb import models as kb_models  # noqa: F401
from lms.probation import models as probation_models  # noqa: F401
from lms.skills import models as skills_models  # noqa: F401
