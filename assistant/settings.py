"""One typed Settings, read once at the entry points and passed down.

Every field is read from an ``RLA_``-prefixed environment variable or a ``.env`` file, e.g.
``RLA_DATA_DIR=/srv/rla``. The README's configuration table lists them all. Deployment settings
(paths, URLs, model names) come first; behaviour knobs (k, thresholds, token budgets) after.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RLA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- deployment: where things live -------------------------------------------------------
    data_dir: Path = Field(Path("data"), description="Builds, conversations and feedback.")
    demo_library_dir: Path = Field(
        REPO_ROOT / "library" / "demo", description="The shipped demo library `make run` ingests."
    )
    chroma_url: str = Field(
        "", description="Empty: embedded Chroma under data_dir. Else a Chroma server URL."
    )
    embedding_model: str = Field(
        "", description="Empty: the packaged all-MiniLM-L6-v2. Else a local model path or name."
    )
    embedding_device: str = Field("cpu", description="torch device for the embedder.")
    embedding_route: Literal[
        "auto", "openvino-int8", "openvino-fp32", "torch-bf16", "torch-fp32"
    ] = Field(
        "auto",
        description="How ingest embeds (queries use the served build's route). auto: "
        "openvino-int8 where the processor and packages allow, else torch-fp32.",
    )
    unit_vectors: Literal["encoded", "pooled"] = Field(
        "pooled",
        description="How ingest makes the units of evidence's vectors: encoded (each unit run "
        "through the model on its own) or pooled (averaged from its chunk's token states in the "
        "chunk's own run; ADR 0024). Recorded in the build; evidence thresholds follow the build.",
    )
    model_cache_dir: Path | None = Field(
        None, description="Exported/quantised embedding models. Empty: ~/.cache/rla/models."
    )
    database_url: str = Field(
        "", description="SQLAlchemy URL for conversations/feedback. Empty: SQLite in data_dir."
    )
    llm_base_url: str = Field("", description="OpenAI-compatible endpoint; empty = no LLM.")
    llm_model: str = Field("", description="Chat model name at that endpoint.")
    llm_api_key: SecretStr = Field(SecretStr(""), description="API key for the endpoint.")
    llm_api_version: str = Field("", description="Azure OpenAI api-version; set for Azure.")
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Flask session/CSRF key. Empty: `rla serve` keeps a generated one in "
        "data_dir/secret_key (create_app alone: random per process).",
    )
    feedback_export_token: SecretStr = Field(
        SecretStr(""), description="Bearer token for GET /api/feedback/export. Empty: disabled."
    )

    # --- ingestion ----------------------------------------------------------------------------
    chunk_tokens: int = Field(200, ge=32, le=2000, description="Target chunk size (tiktoken).")
    chunk_overlap: int = Field(30, ge=0, le=500, description="Overlap between chunks (tiktoken).")
    embedding_batch_size: int = Field(32, ge=1, le=1024)
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are skipped.")
    keep_builds: int = Field(2, ge=1, le=20, description="Builds kept (served + rollback).")

    # --- answering ----------------------------------------------------------------------------
    generator: Literal["extractive", "llm"] = Field(
        "extractive", description="Default answerer; llm needs llm_base_url and llm_model."
    )
    retrieval_k: int = Field(8, ge=1, le=50, description="Passages given to the answerer.")
    retrieval_candidates: int = Field(40, ge=1, le=500, description="Per retriever, pre-fusion.")
    exact_search_limit: int = Field(
        20_000,
        ge=0,
        description="Up to this many candidate chunks, dense search is an exact dot product "
        "over the build's vectors; beyond it, Chroma's HNSW index (over-fetched, post-filtered).",
    )
    max_passages_per_document: int = Field(3, ge=1, le=50, description="Diversity cap.")
    relevance_threshold: float = Field(
        0.30,
        ge=-1.0,
        le=1.0,
        description="Hard floor: best passage cosine below this is no_evidence whatever the "
        "evidence score (the calibrated decision is evidence_no_evidence).",
    )
    evidence_no_evidence: float | None = Field(
        None,
        ge=-1.0,
        le=2.0,
        description="Best evidence-unit score below this: no_evidence. Empty: the embedding "
        "model's calibration (assistant/evidence/calibration.py CALIBRATIONS).",
    )
    evidence_answered: float | None = Field(
        None,
        ge=-1.0,
        le=2.0,
        description="Best evidence-unit score below this (above no_evidence): partial. Empty: "
        "the model's calibration.",
    )
    evidence_relative: float | None = Field(
        None, ge=0.0, le=1.0, description="Further units must score this share of the best."
    )
    answer_max_sentences: int = Field(
        8, ge=1, le=30, description="Most quotes an answer may carry (lead included)."
    )
    partial_margin: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Superseded by evidence_answered; kept so existing .env files still load.",
    )
    max_question_chars: int = Field(2000, ge=50, le=20000)
    llm_timeout_s: float = Field(30.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=10)
    llm_max_tokens: int = Field(800, ge=16, le=8192)
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_condense_max_chars: int = Field(
        300, ge=20, le=2000, description="Longest standalone query the LLM condenser may return."
    )
    llm_retry_after_cap_s: float = Field(
        5.0, ge=0, le=120, description="A 429/503 asking to wait longer than this: fall back now."
    )

    # --- web ----------------------------------------------------------------------------------
    rate_limit: str = Field("30/minute", description="flask-limiter limit on ask endpoints.")
    max_request_kb: int = Field(64, ge=1, le=10240, description="Request body cap.")
    retention_days: int = Field(30, ge=0, description="Purge conversations/feedback older.")
    production: bool = Field(False, description="Secure cookies and stricter defaults.")
    log_questions: bool = Field(False, description="Never enable with real case data.")
    feedback_comment_max_chars: int = Field(
        500, ge=0, le=5000, description="Longest feedback comment accepted (characters)."
    )
    history_turns: int = Field(
        6, ge=0, le=50, description="Earlier turns of a conversation sent with a follow-up."
    )

    # --- scale-out: several workers or hosts ---------------------------------------------------
    rate_limit_storage_uri: str = Field(
        "",
        description="Flask-Limiter storage shared by workers/hosts, e.g. redis://127.0.0.1:6379/0. "
        "Empty: in memory, per process.",
    )
    max_asks_in_flight: int = Field(
        6,
        ge=0,
        le=1000,
        description="Questions one server process answers at once; one more gets 503 at once. "
        "0: no cap.",
    )
    trusted_proxy: str = Field(
        "",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto/"
        "-Host headers are believed (ProxyFix, one hop). Empty: none.",
    )

    # --- security (issue 11) --------------------------------------------------------------------
    public_base_url: str = Field(
        "",
        description="This service's address (https://…) for absolute links in Markdown exports; "
        "empty: relative links. Never taken from the request's Host header.",
    )

    @field_validator("public_base_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("public_base_url must start with https:// or http://")
        return value

    @field_validator(
        "chroma_url", "llm_base_url", "database_url", "embedding_model", "rate_limit_storage_uri"
    )
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @property
    def builds_dir(self) -> Path:
        return self.data_dir / "builds"

    @property
    def current_pointer(self) -> Path:
        """The served-build pointer, replaced atomically by a successful ingest."""
        return self.data_dir / "CURRENT"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'rla.sqlite3').resolve()}"

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)
