"""The database plumbing: reads outside a transaction, and pooled connections that a restart or failover cut."""

import threading

from flask import Flask
from sqlalchemy import text

import chassis.db
from chassis.db import Database
from chassis.errors import install_error_handlers


def _make_table(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE figures (id INTEGER PRIMARY KEY, amount BIGINT)"))
        connection.execute(text("INSERT INTO figures VALUES (1, 100)"))


def test_a_read_needs_no_transaction_and_sees_committed_rows(postgres_databases):
    database = Database(postgres_databases.create("read"), "test")
    _make_table(database)
    with database.read() as connection:
        assert connection.execute(text("SELECT amount FROM figures WHERE id = 1")).scalar_one() == 100
        assert connection.execute(text("SELECT transaction_timestamp() = statement_timestamp()")).scalar_one()
    with database.transaction() as session:
        session.execute(text("UPDATE figures SET amount = 250 WHERE id = 1"))
    with database.read() as connection:
        assert connection.execute(text("SELECT amount FROM figures WHERE id = 1")).scalar_one() == 250
    # the connection went back to the pool in transaction mode: a unit of work still rolls back as one
    try:
        with database.transaction() as session:
            session.execute(text("UPDATE figures SET amount = 999 WHERE id = 1"))
            raise RuntimeError("the request failed")
    except RuntimeError:
        pass
    with database.read() as connection:
        assert connection.execute(text("SELECT amount FROM figures WHERE id = 1")).scalar_one() == 250
    database.dispose()


def test_a_connection_cut_while_idle_is_replaced_before_anyone_uses_it(postgres_databases, monkeypatch):
    url = postgres_databases.create("cut")
    database = Database(url, "test")
    _make_table(database)
    with database.read() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    # what a database restart does to every pooled connection
    with postgres_databases.admin.connect() as admin:
        assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar_one()
    monkeypatch.setattr(chassis.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    with database.read() as connection:
        assert connection.execute(text("SELECT amount FROM figures WHERE id = 1")).scalar_one() == 100
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != backend
    with database.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM figures")).scalar_one() == 1
    database.dispose()


def test_an_embedded_read_does_not_wait_for_a_writer(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'hall.db'}", "test")
    _make_table(database)
    writing, done = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        with database.transaction() as session:
            session.execute(text("UPDATE figures SET amount = 1 WHERE id = 1"))
            writing.set()
            done.wait(10)

    writer = threading.Thread(target=hold_the_write_lock)
    writer.start()
    assert writing.wait(5)
    read = {}

    def read_now() -> None:
        with database.read() as connection:
            read["amount"] = connection.execute(text("SELECT amount FROM figures WHERE id = 1")).scalar_one()

    reader = threading.Thread(target=read_now)
    reader.start()
    reader.join(3)  # BEGIN IMMEDIATE would queue behind the writer for its 30 s busy timeout
    finished_while_writer_held_the_lock = not reader.is_alive()
    done.set()
    writer.join()
    reader.join()
    assert finished_while_writer_held_the_lock
    assert read["amount"] == 100  # the committed value, not the writer's
    database.dispose()


def test_a_request_on_a_connection_cut_mid_use_gets_a_chinese_503_and_the_next_one_succeeds(postgres_databases):
    database = Database(postgres_databases.create("cut_503"), "test")
    _make_table(database)
    app = Flask("cut")
    install_error_handlers(app)

    @app.get("/figure")
    def figure():
        with database.read() as connection:
            return {"amount": connection.execute(text("SELECT amount FROM figures WHERE id = 1")).scalar_one()}

    client = app.test_client()
    with database.read() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with postgres_databases.admin.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    # within the idle window the pool hands the cut connection out without a ping
    cut = client.get("/figure")
    assert cut.status_code == 503
    assert cut.get_json()["detail"] == "服务暂不可用，请稍后再试"
    assert cut.headers["Retry-After"] == "1"
    assert client.get("/figure").get_json() == {"amount": 100}
    database.dispose()
