import pytest
import responses
