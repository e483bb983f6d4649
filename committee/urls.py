from django.urls import path

app_name = "committee"

urlpatterns: list = []
