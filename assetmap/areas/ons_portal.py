"""``assetmap boundaries fetch``: download ONS layers from the Open Geography Portal.

The portal serves each layer through an ArcGIS FeatureServer whose ``query`` endpoint returns
at most a few thousand features a page, flagging ``exceededTransferLimit`` while more remain; the
pages are merged into one GeoJSON file in the boundaries cache. Only the standard library is used,
so the downloader has nothing to install.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from assetmap.areas.manifest import fetched_dir, load_manifest
from assetmap.config import Settings
from assetmap.errors import AssetmapError


class FetchError(AssetmapError):
    """A layer that could not be downloaded; the message names the layer and the URL."""


def page_url(service: str, offset: int, page_size: int, lookup: bool) -> str:
    params = {"where": "1=1", "outFields": "*", "resultOffset": offset, "resultRecordCount": page_size,
              "f": "json" if lookup else "geojson"}
    if not lookup:
        params["outSR"] = 4326
    return f"{service.rstrip('/')}/query?{urllib.parse.urlencode(params)}"


def _get_json(url: str, layer_name: str, timeout: float) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https/http only, from the manifest)
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
        raise FetchError(f"could not download layer {layer_name} from {url}: {exc}") from exc


def _more_pages(page: dict) -> bool:
    return bool(page.get("exceededTransferLimit") or page.get("properties", {}).get("exceededTransferLimit"))


def fetch_pages(layer: dict, base_url: str | None = None, page_size: int = 2000, timeout: float = 60) -> list[dict]:
    """Every feature (or lookup row) of a layer, following pages until the server says there are no more."""
    service = layer["service"] if base_url is None else f"{base_url.rstrip('/')}/{layer['name']}/FeatureServer/0"
    lookup = layer["kind"] == "lookup"
    items, offset = [], 0
    while True:
        page = _get_json(page_url(service, offset, page_size, lookup), layer["name"], timeout)
        if "error" in page:
            raise FetchError(f"layer {layer['name']}: the server said {page['error']}")
        batch = page.get("features", [])
        items.extend(batch)
        offset += len(batch)
        if not batch or not _more_pages(page):
            return items


def write_layer(layer: dict, items: list[dict], path: Path) -> None:
    """GeoJSON for polygons, CSV for a lookup; written to a temporary name and renamed, so a broken download leaves no half file."""
    tmp = path.with_suffix(path.suffix + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    if layer["kind"] == "lookup":
        import csv

        rows = [item.get("attributes", item.get("properties", {})) for item in items]
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else [])
            writer.writeheader()
            writer.writerows(rows)
    else:
        tmp.write_text(json.dumps({"type": "FeatureCollection", "features": items}), encoding="utf-8")
    os.replace(tmp, path)


def fetch_layer(layer: dict, dest_dir: Path, *, base_url: str | None = None, force: bool = False, page_size: int = 2000) -> Path:
    """Download one layer into ``dest_dir`` unless it is cached already."""
    path = Path(dest_dir) / layer["file"]
    if path.exists() and not force:
        return path
    write_layer(layer, fetch_pages(layer, base_url, page_size), path)
    return path


def fetch_all(layers: list[dict], dest_dir: Path, *, base_url: str | None = None, force: bool = False,
              on_progress: Callable[[str], None] | None = None) -> list[Path]:
    paths = []
    for layer in layers:
        if on_progress:
            on_progress(layer["name"])
        paths.append(fetch_layer(layer, dest_dir, base_url=base_url, force=force))
    return paths


def fetch_command_impl(settings: Settings, force: bool, only: list[str]) -> list[Path]:
    """What ``assetmap boundaries fetch`` does: every manifest layer (or those named) into the cache."""
    layers = [layer for layer in load_manifest(settings) if not only or layer["name"] in only]
    unknown = set(only) - {layer["name"] for layer in layers}
    if unknown:
        raise FetchError(f"no layer named {', '.join(sorted(unknown))} in {settings.boundary_manifest}")
    return fetch_all(layers, fetched_dir(settings), force=force)
