from fastapi import APIRouter, Depends

from .items import router as items_router
