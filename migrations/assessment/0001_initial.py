from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('identity', '0001_initial'), ('meals', '0001_initial')]

    initial = True

    operations = [
        ops.CreateModel(
            name='MealRating',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order', fields.OneToOneField('meals.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='rating', on_delete=OnDelete.CASCADE)),
                ('score', fields.SmallIntField()),
                ('comment', fields.CharField(default='', max_length=500)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assessment_meal_ratings', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'The one-tap rating of a served meal order (counts for catering). One per order.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Standard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('service', fields.CharField(max_length=16)),
                ('code', fields.CharField(max_length=32)),
                ('text', fields.CharField(max_length=256)),
                ('points', fields.IntField()),
            ],
            options={'table': 'assessment_standards', 'app': 'assessment', 'unique_together': (('service', 'code'),), 'pk_attr': 'id', 'table_description': 'A checklist item of one service, worth `points` when an inspection finds it failed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Survey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('month', fields.CharField(unique=True, max_length=7)),
                ('opens', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closes', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assessment_surveys', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'The monthly satisfaction survey and the window it is open in.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyQuestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('assessment.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.CASCADE)),
                ('service', fields.CharField(max_length=16)),
                ('text', fields.CharField(max_length=256)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'assessment_survey_questions', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'One question of a survey, about one service.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('assessment.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('question', fields.ForeignKeyField('assessment.SurveyQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('service', fields.CharField(max_length=16)),
                ('score', fields.SmallIntField()),
                ('comment', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'assessment_survey_answers', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'One anonymous score: no user, no response, no time, so reports cannot tie it to anyone.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SurveyResponse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('survey', fields.ForeignKeyField('assessment.Survey', source_field='survey_id', db_constraint=True, to_field='id', related_name='responses', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('identity.User', source_field='user_id', db_constraint=True, to_field='id', related_name='survey_responses', on_delete=OnDelete.CASCADE)),
                ('answers', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assessment_survey_responses', 'app': 'assessment', 'unique_together': (('survey', 'user'),), 'pk_attr': 'id', 'table_description': 'That a person answered a survey (once, by the unique key) and their own copy of it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Team',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=64)),
                ('service', fields.CharField(db_index=True, max_length=16)),
                ('vendor', fields.CharField(max_length=128)),
                ('contracted_headcount', fields.IntField()),
                ('contacts', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assessment_teams', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'A contracted service team and the directory entries of its own contact people.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Attendance',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('assessment.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='attendance', on_delete=OnDelete.CASCADE)),
                ('date', fields.DateField()),
                ('present', fields.IntField()),
            ],
            options={'table': 'assessment_attendance', 'app': 'assessment', 'unique_together': (('team', 'date'),), 'pk_attr': 'id', 'table_description': 'How many people of a team were present on one day (from the attendance machines).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Inspection',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('assessment.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='inspections', on_delete=OnDelete.RESTRICT)),
                ('inspector', fields.ForeignKeyField('identity.User', source_field='inspector_id', db_constraint=True, to_field='id', related_name='inspections', on_delete=OnDelete.RESTRICT)),
                ('at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('location', fields.CharField(max_length=128)),
                ('deducted', fields.IntField(default=0)),
            ],
            options={'table': 'assessment_inspections', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'One walk-round of an inspector at a team, with the points it deducted.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InspectionResult',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('inspection', fields.ForeignKeyField('assessment.Inspection', source_field='inspection_id', db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.CASCADE)),
                ('standard', fields.ForeignKeyField('assessment.Standard', source_field='standard_id', db_constraint=True, to_field='id', related_name='results', on_delete=OnDelete.RESTRICT)),
                ('passed', fields.BooleanField()),
                ('note', fields.CharField(default='', max_length=500)),
                ('photo_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('points', fields.IntField(default=0)),
            ],
            options={'table': 'assessment_inspection_results', 'app': 'assessment', 'unique_together': (('inspection', 'standard'),), 'pk_attr': 'id', 'table_description': 'The verdict on one standard during one inspection.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Photo',
            fields=[
                ('id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('owner', fields.ForeignKeyField('identity.User', source_field='owner_id', db_constraint=True, to_field='id', related_name='assessment_photos', on_delete=OnDelete.RESTRICT)),
                ('team', fields.ForeignKeyField('assessment.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='photos', on_delete=OnDelete.RESTRICT)),
                ('file_name', fields.CharField(unique=True, max_length=64)),
                ('content_type', fields.CharField(max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assessment_photos', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'An uploaded photo taken over by an inspection or a rectification.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Rectification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('inspection', fields.ForeignKeyField('assessment.Inspection', source_field='inspection_id', db_constraint=True, to_field='id', related_name='rectifications', on_delete=OnDelete.CASCADE)),
                ('standard', fields.ForeignKeyField('assessment.Standard', source_field='standard_id', db_constraint=True, to_field='id', related_name='rectifications', on_delete=OnDelete.RESTRICT)),
                ('team', fields.ForeignKeyField('assessment.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='rectifications', on_delete=OnDelete.RESTRICT)),
                ('due', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharField(default='open', db_index=True, max_length=16)),
                ('note', fields.CharField(default='', max_length=1000)),
                ('photo_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'assessment_rectifications', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'What a team must put right after a failed item, by its due time.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RectificationEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('rectification', fields.ForeignKeyField('assessment.Rectification', source_field='rectification_id', db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('actor', fields.ForeignKeyField('identity.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='rectification_events', on_delete=OnDelete.RESTRICT)),
                ('action', fields.CharField(max_length=16)),
                ('from_state', fields.CharField(max_length=16)),
                ('to_state', fields.CharField(max_length=16)),
                ('note', fields.CharField(default='', max_length=1000)),
            ],
            options={'table': 'assessment_rectification_events', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'One transition of a rectification: who moved it from which state to which, and when.'},
            bases=['Model'],
        ),
    ]
