"""Service-quality assessment (物管考核, API.md §11): what handlers, jobs and the CLI call.

Files by concern: setup (teams, standards), inspections (walk-rounds and the
rectification state table), attendance (imports), surveys (monthly survey, meal
ratings), scores (the monthly board and its export), photos, demo.
"""

from __future__ import annotations

from services.assessment.attendance import import_items, import_rows, parse_csv
from services.assessment.inspections import (
    TRANSITIONS,
    act,
    create_inspection,
    get_rectification,
    inspected,
    list_inspections,
    list_rectifications,
    mark_overdue,
)
from services.assessment.photos import read as read_photo
from services.assessment.scores import scores, trend, workbook
from services.assessment.setup import (
    create_standards,
    create_team,
    list_standards,
    list_teams,
    standards_created,
    team_created,
    update_standard,
    update_team,
)
from services.assessment.shapes import (
    InspectionPage,
    InspectionView,
    MealRating,
    MySurvey,
    RectificationPage,
    RectificationView,
    Scores,
    Standard,
    StandardList,
    Survey,
    SurveyPage,
    Team,
    TeamList,
    Trend,
)
from services.assessment.surveys import (
    create_survey,
    current,
    list_surveys,
    meal_rated,
    rate_meal,
    respond,
    responded,
    survey_created,
)

__all__ = [
    "TRANSITIONS",
    "InspectionPage",
    "InspectionView",
    "MealRating",
    "MySurvey",
    "RectificationPage",
    "RectificationView",
    "Scores",
    "Standard",
    "StandardList",
    "Survey",
    "SurveyPage",
    "Team",
    "TeamList",
    "Trend",
    "act",
    "create_inspection",
    "create_standards",
    "create_survey",
    "create_team",
    "current",
    "get_rectification",
    "import_items",
    "import_rows",
    "inspected",
    "list_inspections",
    "list_rectifications",
    "list_standards",
    "list_surveys",
    "list_teams",
    "mark_overdue",
    "meal_rated",
    "parse_csv",
    "rate_meal",
    "read_photo",
    "respond",
    "responded",
    "scores",
    "standards_created",
    "survey_created",
    "team_created",
    "trend",
    "update_standard",
    "update_team",
    "workbook",
]
