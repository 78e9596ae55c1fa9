"""Tightnut's configuration: one validated settings object, read once at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///var/tightnut.db"


class Settings(BaseSettings):
    """Everything Tightnut reads from the environment (prefix ``TIGHTNUT_``)."""

    model_config = SettingsConfigDict(env_prefix="TIGHTNUT_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    rule_packs_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # A page's form with photos from a phone camera: a few pictures of a few MB each.
    max_upload_bytes: int = Field(default=40 * 1024 * 1024, ge=1024)
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    inspection_lead_minutes: int = Field(default=180, ge=0, le=24 * 60)
    secure_cookies: bool = True
    redis_url: str | None = None
    redis_prefix: str = Field(default="tightnut:", min_length=1, max_length=100)
    login_failures_per_account: int = Field(default=10, ge=1, le=1000)
    login_failures_per_address: int = Field(default=50, ge=1, le=100_000)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    max_km_per_hour: float = Field(default=120.0, gt=0)
    max_engine_hours_per_day: float = Field(default=24.0, gt=0, le=24)

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:// or postgresql+psycopg:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated on first use."""
    return Settings()
