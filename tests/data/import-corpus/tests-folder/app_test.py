from freezegun import freeze_time
