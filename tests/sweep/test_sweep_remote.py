"""The pieces that let a cell train on another machine (Dask), tested without one."""

from __future__ import annotations

import sys

import pytest

from nnexp.errors import NnexpError
from nnexp.runs.environment import plugin_files
from nnexp.sweep.executors import DaskExecutor, make_executor
from nnexp.sweep.remote import (
    ThrottledEvent,
    pack,
    relocate_plugins,
    unpack,
)


def test_a_folder_travels_as_bytes_and_comes_back_the_same(tmp_path):
    src = tmp_path / "src"
    (src / "plots").mkdir(parents=True)
    (src / "summary.json").write_text('{"status": "completed"}')
    (src / "plots" / "curves.png").write_bytes(b"\x89PNG\x00\x01")
    (src / ".summary.json.tmp").write_text("left by a killed writer")
    files = pack(src)
    assert sorted(files) == ["plots/curves.png", "summary.json"]
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "stale.txt").write_text("from an earlier attempt")
    unpack(files, dest)
    assert pack(dest) == files and not (dest / "stale.txt").exists()


@pytest.mark.parametrize("bad", ["../escape.txt", "/etc/passwd", "a/../../b"])
def test_unpack_refuses_paths_outside_the_folder(tmp_path, bad):
    with pytest.raises(ValueError, match="outside"):
        unpack({bad: b"x"}, tmp_path / "dest")


def test_plugin_references_point_to_uploaded_copies_where_the_file_is_missing(tmp_path):
    here = tmp_path / "acts.py"
    here.write_text("class Cube: ...\n")
    config = {"model": {"activation": [f"{here}:Cube", "relu"]}, "loss": "mse"}
    assert plugin_files(config) == [here]
    uploads = tmp_path / "worker"
    uploads.mkdir()
    (uploads / "gone.py").write_text("class Cube: ...\n")
    moved = {"model": {"activation": ["/no/such/dir/gone.py:Cube", f"{here}:Cube"]}}
    assert relocate_plugins(moved, uploads) == {
        "model": {"activation": [f"{uploads / 'gone.py'}:Cube", f"{here}:Cube"]}
    }


def test_a_remote_stop_event_is_asked_at_most_once_a_second():
    class Remote:
        calls, value = 0, False

        def is_set(self):
            self.calls += 1
            return self.value

    remote = Remote()
    event = ThrottledEvent(remote.is_set, every=60.0)
    assert [event.is_set() for _ in range(1000)] == [False] * 1000
    assert remote.calls == 1
    remote.value, event.last = True, 0.0
    assert event.is_set() and event.is_set() and remote.calls == 2


def test_without_dask_the_executor_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(NnexpError, match=r"pip install 'nnexp\[dask\]'"):
        DaskExecutor(2).start()
    with pytest.raises(NnexpError, match="--scheduler needs --executor dask"):
        make_executor("local", 2, "tcp://127.0.0.1:8786")
