from rest_framework import serializers

from dashboard.attention import AttentionAction, AttentionKind, AttentionUrgency


class AttentionItemSerializer(serializers.Serializer):
    """One thing that waits for the signed-in user's act (``dashboard.attention.AttentionItem``)."""

    kind = serializers.ChoiceField(choices=AttentionKind.choices)
    title = serializers.CharField()
    action = serializers.ChoiceField(choices=AttentionAction.choices, help_text="what to do about it")
    detail = serializers.CharField(help_text="why it waits and what the action means, in a sentence")
    since = serializers.DateTimeField(help_text="since when it waits (a day's first moment for a date)")
    age_days = serializers.IntegerField(min_value=0, help_text="whole days it has waited, today")
    urgency = serializers.ChoiceField(
        choices=AttentionUrgency.choices,
        help_text="0: work stopped or a deadline near; 1: others wait for it; 2: the rest",
    )
    url = serializers.CharField(help_text="the absolute path of the page where it is done")
