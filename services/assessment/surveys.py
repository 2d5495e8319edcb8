"""The monthly satisfaction survey and the one-tap rating of a served meal.

Once per person per survey is the unique key of SurveyReply: twenty concurrent
submits of one person race on that insert, one wins and the others roll back whole
(their answer rows with them) and get 409 conflict. The scores themselves go to
SurveyAnswer rows that name no one (see models/assessment.py).

Anonymous at rest, not only at the API: the response row holds a keyed hash of person
and survey instead of the user id, and the day instead of the time, so reading the
database (a backup, a report query, an admin with psql) ties no answer or comment to
anyone. Only the app, holding the secret key, can recompute the hash for the person
who asks for their own copy. Rotating SECRET_KEY forgets who answered the surveys
then open (they could answer once more); the answers stay.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from models import could_exist
from models.assessment import (
    SERVICES,
    MealRating,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyReply,
)
from models.meals import Order
from server import pagination, resources
from server.clock import aware, local, parse_month
from server.errors import Conflict, InvalidInput, InvalidState, NotFound, TooEarly, TooLate
from server.tx import transaction
from services.assessment import shapes
from services.assessment.common import SERVICE_LABELS


async def _view(survey: Survey) -> shapes.Survey:
    questions = await SurveyQuestion.filter(survey_id=survey.id).order_by("position", "id")
    return shapes.Survey(
        id=survey.id,
        month=survey.month,
        questions=[
            shapes.Question(
                id=q.id, service=q.service, service_label=SERVICE_LABELS[q.service], text=q.text
            )
            for q in questions
        ],
        opens=survey.opens,
        closes=survey.closes,
    )


def respondent_key(*, survey_id: int, user_id: int) -> str:
    """The keyed hash a response is stored under: equal for one person and survey (the
    once-only key), meaningless without the app's secret key. The migration that
    unlinked older rows (migrations/assessment/0002) computes the same."""
    secret = resources.settings().secret_key.encode()
    message = f"survey-respondent:{survey_id}:{user_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


async def _mine(survey: Survey, *, user_id: int) -> shapes.MySurvey:
    """The survey with the caller's own answers, if they gave any."""
    mine = await SurveyReply.get_or_none(
        survey_id=survey.id, respondent=respondent_key(survey_id=survey.id, user_id=user_id)
    )
    return shapes.MySurvey(
        **dict(await _view(survey)),
        answered=mine is not None,
        my_answers=[shapes.MyAnswer.model_validate(a) for a in mine.answers] if mine else None,
        submitted_on=mine.submitted_on if mine else None,
    )


async def create_survey(
    *,
    month: str,
    questions: list[dict[str, str]],
    opens: datetime,
    closes: datetime,
    now: datetime,
) -> shapes.Survey:
    """One survey per month, open in [opens, closes)."""
    parse_month(month)
    opens, closes = aware(opens, field="opens"), aware(closes, field="closes")
    if closes <= opens:
        raise InvalidInput({"closes": "应晚于 opens"})
    for index, question in enumerate(questions):
        if question["service"] not in SERVICES:
            raise InvalidInput({f"questions.{index}.service": "取值无效"})
    try:
        async with transaction() as tx:
            survey = await Survey.create(month=month, opens=opens, closes=closes, created_at=now)
            tx.created(survey.id)
            for position, question in enumerate(questions):
                await SurveyQuestion.create(
                    survey_id=survey.id,
                    service=question["service"],
                    text=question["text"].strip(),
                    position=position,
                )
    except IntegrityError:
        raise Conflict("该月份已有满意度调查", details={"month": month}) from None
    return await _view(survey)


async def list_surveys(*, limit: int, cursor: str | None) -> shapes.SurveyPage:
    """Every survey, newest first, with how many people answered (never who)."""
    rows, next_cursor = await pagination.page(Survey.all(), limit=limit, cursor=cursor)
    items = []
    for survey in rows:
        answered = await SurveyReply.filter(survey_id=survey.id).count()
        items.append(shapes.SurveySummary(**dict(await _view(survey)), responses=answered))
    return shapes.SurveyPage(items=items, next_cursor=next_cursor)


async def current(*, user_id: int, now: datetime) -> shapes.MySurvey:
    """The survey open now (the latest opened one), with the caller's answers if any."""
    survey = await Survey.filter(opens__lte=now, closes__gt=now).order_by("-opens", "-id").first()
    if survey is None:
        raise NotFound("当前没有进行中的满意度调查")
    return await _mine(survey, user_id=user_id)


async def respond(
    *, survey_id: int, user_id: int, answers: list[dict[str, Any]], now: datetime
) -> shapes.MySurvey:
    """Answer every question of an open survey, once."""
    survey = await Survey.get_or_none(id=survey_id) if could_exist(survey_id) else None
    if survey is None:
        raise NotFound("满意度调查不存在")
    if now < survey.opens:
        raise TooEarly("满意度调查尚未开始")
    if now >= survey.closes:
        raise TooLate("满意度调查已结束")
    questions = {q.id: q for q in await SurveyQuestion.filter(survey_id=survey.id)}
    given = [a["question_id"] for a in answers]
    for index, question_id in enumerate(given):
        if question_id not in questions:
            raise InvalidInput({f"answers.{index}.question_id": "不是该调查的问题"})
    if len(set(given)) != len(given):
        raise InvalidInput({"answers": "同一问题只能回答一次"})
    if set(given) != set(questions):
        raise InvalidInput({"answers": "请回答全部问题"})
    mine = [
        {"question_id": a["question_id"], "score": a["score"], "comment": a.get("comment", "")}
        for a in answers
    ]
    try:
        async with transaction() as tx:
            tx.created(survey.id)
            await SurveyReply.create(
                survey_id=survey.id,
                respondent=respondent_key(survey_id=survey.id, user_id=user_id),
                answers=mine,
                submitted_on=local(now).date(),
            )
            for answer in mine:
                await SurveyAnswer.create(
                    survey_id=survey.id,
                    question_id=answer["question_id"],
                    service=questions[answer["question_id"]].service,
                    score=answer["score"],
                    comment=answer["comment"].strip(),
                )
    except IntegrityError:
        raise Conflict("你已提交过本月满意度调查", details={"survey_id": survey.id}) from None
    return await _mine(survey, user_id=user_id)


async def survey_created(*, user_id: int, ref: str, now: datetime) -> shapes.Survey:
    """The survey a committed `create_survey` published: the answer to a replay whose
    first answer was lost."""
    return await _view(await Survey.get(id=int(ref)))


async def responded(*, user_id: int, ref: str, now: datetime) -> shapes.MySurvey:
    """The caller's answers a committed `respond` kept (found by the keyed hash, as the
    answers name no one): the answer to a replay whose first answer was lost."""
    return await _mine(await Survey.get(id=int(ref)), user_id=user_id)


async def rate_meal(
    *, user_id: int, order_id: int, score: int, comment: str, now: datetime
) -> shapes.MealRating:
    """The owner rates a served order, once (the unique order key decides a race)."""
    order = await Order.get_or_none(id=order_id, user_id=user_id) if could_exist(order_id) else None
    if order is None:
        raise NotFound("订单不存在")
    if order.status != "served":
        raise InvalidState(order.status, "取餐后才能评价")
    try:
        async with transaction() as tx:
            rating = await MealRating.create(
                using_db=tx.conn,
                order_id=order.id,
                score=score,
                comment=comment.strip(),
                created_at=now,
            )
            tx.created(order.id)
    except IntegrityError:
        raise Conflict("该订单已评价", details={"order_id": order.id}) from None
    return _rating_view(rating)


async def meal_rated(*, user_id: int, ref: str, now: datetime) -> shapes.MealRating:
    """The rating a committed `rate_meal` kept (named by its order): the answer to a
    replay whose first answer was lost."""
    order = await Order.get(id=int(ref), user_id=user_id)
    return _rating_view(await MealRating.get(order_id=order.id))


def _rating_view(rating: MealRating) -> shapes.MealRating:
    return shapes.MealRating(
        order_id=rating.order_id,
        score=rating.score,
        comment=rating.comment,
        created_at=rating.created_at,
    )
