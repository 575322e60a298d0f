"""The ``omf-der`` command line.

Every command has ``--help``. Problems with the user's input are printed one per line as
``<field>: got <value>; allowed: <what>`` (on standard output by ``validate``, whose output they
are; on standard error, prefixed ``omf-der:``, by the other commands) and the command exits with
status 2; no traceback unless ``--debug`` is given. An unexpected internal error exits with 3.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .errors import InputError, InputErrors

EXIT_OK, EXIT_USER_ERROR, EXIT_INTERNAL = 0, 2, 3


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(out)


def _dumps_rows(doc: dict) -> str:
    """JSON with one line per row: ``{"monthly": {"energy_kwh": [12 values], ...}, "annual": {...}}``."""
    parts = []
    for section, rows in doc.items():
        lines = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in rows.items())
        parts.append(f"  {json.dumps(section)}: {{\n{lines}\n  }}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def cmd_defaults(args: argparse.Namespace) -> int:
    from .inputs import Inputs, dumps_inputs

    _write(dumps_inputs(Inputs.defaults()), args.out)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .inputs import json_schema

    _write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", args.out)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .inputs import Inputs

    try:
        Inputs.from_json_file(args.file)
    except InputErrors as exc:
        for err in exc.errors:
            print(err.message)
        print(f"{len(exc.errors)} problem(s) in {args.file}", file=sys.stderr)
        return EXIT_USER_ERROR
    print("ok")
    return EXIT_OK


def cmd_bill(args: argparse.Namespace) -> int:
    from .calendar import Calendar, steps_per_hour_for_length
    from .readers import read_json, read_series
    from .tariff import Tariff, bill, fetch_rate

    if args.urdb_label:
        tariff = Tariff.from_urdb(fetch_rate(args.urdb_label, offline=args.offline), "urdb_label")
    else:
        tariff = Tariff.from_urdb(read_json(args.tariff.read_bytes(), "tariff"), "tariff")
    load = read_series(args.load.read_bytes(), "load")
    if args.steps_per_hour is None:
        sph = steps_per_hour_for_length(len(load), "load")
    else:
        sph = args.steps_per_hour
    result = bill(tariff, load, Calendar(args.year, sph), demand_method=args.demand_method, field="load")
    for note in tariff.notes:
        print(f"omf-der: note: tariff field {note}", file=sys.stderr)
    _write(_dumps_rows(result.to_dict()), args.out)
    return EXIT_OK


def cmd_reopt(args: argparse.Namespace) -> int:
    from .milp import SolveError, run
    from .readers import read_json

    scenario = read_json(args.scenario.read_bytes(), "scenario")
    try:
        results = run(scenario)
    except SolveError as exc:
        print(f"omf-der: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    for warning in results["Messages"]["warnings"]:
        print(f"omf-der: warning: {warning}", file=sys.stderr)
    _write(json.dumps(results, indent=1, allow_nan=False) + "\n", args.out)
    return EXIT_OK


def _money(x: float) -> str:
    return f"-${-x:,.0f}" if x < 0 else f"${x:,.0f}"


def cmd_run(args: argparse.Namespace) -> int:
    import time

    from .runner import RunFailed, load_model, reproduction_inputs, run_model

    from .model_dir import OUTPUTS_FILE, read_json

    model = read_json(args.reproduce / OUTPUTS_FILE)["model"] if args.reproduce else args.model
    module = load_model(model)
    if args.reproduce:
        inputs = module.parse(reproduction_inputs(args.reproduce))
    elif args.inputs:
        inputs = module.parse_file(args.inputs)
    else:
        inputs = module.parse({})
    out = args.out or Path("runs") / f"{model}-{time.strftime('%Y%m%d-%H%M%S')}"
    progress = None if args.quiet else (lambda step: print(f"  {step} ...", file=sys.stderr))
    try:
        result = run_model(inputs, out, model=model, progress=progress)
    except RunFailed as exc:
        print(f"omf-der: the run failed: {exc} (inputs and stderr.txt in {exc.folder})", file=sys.stderr)
        return EXIT_INTERNAL if str(exc).startswith("internal error") else EXIT_USER_ERROR
    s = result.summary
    payback = "never" if s["simple_payback_years"] is None else f"{s['simple_payback_years']:.1f} years"
    print(f"NPV ({s['projection_years']} years at {s['discount_rate_pct']:g} %): {_money(s['npv_usd'])}")
    print(f"simple payback: {payback}")
    print(f"year-1 net savings: {_money(s['year_one_net_savings_usd'])} "
          f"(bill {_money(s['annual_bill_usd'])} -> {_money(s['adjusted_annual_bill_usd'])})")
    print(f"runtime: {result.seconds:.2f} s")
    print(result.folder)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    import ipaddress

    from .web import create_app

    config: dict[str, object] = {}
    if args.data_dir is not None:
        config["DATA_DIR"] = str(args.data_dir)
    if args.workers is not None:
        config["MAX_WORKERS"] = args.workers
    app = create_app(config)
    try:
        local = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        local = args.host == "localhost"
    if not local and not app.config.get("PASSWORD"):
        print(f"omf-der: refusing to serve on {args.host} without a password: anyone who can reach this "
              "machine could run models and read every run. Set OMF_DER_PASSWORD, or serve on 127.0.0.1.",
              file=sys.stderr)
        return EXIT_USER_ERROR
    from waitress import create_server

    jobs = app.extensions["omf_der"].jobs
    jobs.warm_up()
    # a body up to 4x the app's limit still reaches the app, which answers with its own page
    # ("too large: at most ... MB"); only bigger ones get waitress's plain refusal
    server = create_server(app, host=args.host, port=args.port, threads=8, ident="omf-der",
                           max_request_body_size=4 * app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024)
    # listening from here on: only now say so (scripts wait for this line)
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{server.effective_port}/"
    print(f"omf-der {__version__}: serving {url} (runs in {app.extensions['omf_der'].store.root}); "
          "stop with Ctrl+C", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        jobs.shutdown(cancel=True)
    return EXIT_OK


def _whole_number(lo: int, hi: int | None, what: str):
    """An argparse type: a whole number from ``lo`` (to ``hi``), else a one-line error saying ``what``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value
    return parse


_positive_int = _whole_number(1, None, "a whole number of at least 1")
_port = _whole_number(0, 65535, "a port number (0 to 65535)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omf-der",
        description="What enrolling a home's battery, generator, air conditioner, heat pump and "
                    "water heater in a co-op DER program is worth.")
    parser.add_argument("--version", action="version", version=f"omf-der {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("defaults", help="print the default inputs as JSON",
                       description="Print the default inputs (with the example data) as JSON; "
                                   "edit a copy and check it with `omf-der validate`.")
    p.add_argument("--out", type=Path, help="write to this file instead of standard output")
    p.set_defaults(func=cmd_defaults)

    p = sub.add_parser("validate", help="check an inputs JSON file and list every problem",
                       description="Check an inputs JSON file. Prints 'ok', or every problem one per "
                                   "line (field, value, what is allowed) and exits with status 2.")
    p.add_argument("file", type=Path, help="inputs JSON file (field names as in `omf-der schema`)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the inputs' JSON Schema",
                       description="Print the JSON Schema (draft 2020-12) of the inputs: every field "
                                   "with type, unit, default, range and help text.")
    p.add_argument("--out", type=Path, help="write to this file instead of standard output")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("bill", help="bill a load under a URDB tariff, month by month",
                       description="Bill one year of load (kW per step, CSV) under a URDB rate (JSON) "
                                   "and print the monthly energy, demand, fixed and minimum charges as JSON. "
                                   "Rows for coincident-peak charges and exports (negative load) appear "
                                   "only when they are not zero.")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--tariff", type=Path, help="URDB rate record (JSON; an OpenEI response works too)")
    source.add_argument("--urdb-label", help="URDB label of the rate, fetched from OpenEI (key in the "
                                             "environment variable OPENEI_API_KEY) or from the local cache")
    p.add_argument("--offline", action="store_true", help="with --urdb-label: use only the local cache")
    p.add_argument("--load", type=Path, required=True, help="CSV of kW, one value per time step from Jan 1 00:00")
    p.add_argument("--year", type=int, required=True, help="calendar year of the load (decides weekdays)")
    p.add_argument("--steps-per-hour", type=int, choices=(1, 2, 4),
                   help="time steps per hour (default: from the number of load values)")
    p.add_argument("--demand-method", choices=("monthly", "daily_window"), default="monthly",
                   help="monthly: one peak per TOU period per month (URDB, default); daily_window: every "
                        "contiguous run of a period charged separately (the reference derConsumer)")
    p.add_argument("--out", type=Path, help="write to this file instead of standard output")
    p.set_defaults(func=cmd_bill)

    p = sub.add_parser("reopt", help="solve a REopt-style scenario (battery, generator, PV) with HiGHS",
                       description="Solve a REopt v3 / REopt.jl scenario JSON (ElectricLoad, ElectricTariff, "
                                   "ElectricStorage, Generator, PV, Financial, Settings) and its business-as-usual "
                                   "case, and write REopt-named results (sizes, dispatch series, year-one bills, "
                                   "life-cycle costs, NPV) as JSON. Inputs REopt has but this core does not model "
                                   "are refused by name.")
    p.add_argument("scenario", type=Path, help="scenario JSON file")
    p.add_argument("-o", "--out", type=Path, help="write the results to this file instead of standard output")
    p.set_defaults(func=cmd_reopt)

    p = sub.add_parser("run", help="run the model and write a run folder",
                       description="Run the derConsumer model (or --model vbatDispatch) on the default inputs, "
                                   "an inputs JSON file, or the recorded inputs of an earlier run, write every "
                                   "input and output file into a run folder, and print NPV, payback, year-1 "
                                   "savings, runtime and the folder.")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--inputs", type=Path, help="inputs JSON file (see `omf-der defaults`); default: the defaults")
    source.add_argument("--reproduce", type=Path, metavar="RUN_DIR",
                        help="rerun an earlier run with its recorded seeds and water-heater random numbers")
    p.add_argument("--out", type=Path, help="run folder (default runs/<model>-<date>-<time>); replaced when complete")
    p.add_argument("--model", default="derConsumer", choices=("derConsumer", "vbatDispatch"),
                   help="the model (with --reproduce: the earlier run's)")
    p.add_argument("--quiet", action="store_true", help="do not print the progress steps")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("serve", help="start the web app",
                       description="Start the web app. It listens on this computer only (127.0.0.1) unless "
                                   "told otherwise; another address needs a password (OMF_DER_PASSWORD).")
    p.add_argument("--host", default=os.environ.get("OMF_DER_HOST", "127.0.0.1"),
                   help="address to listen on (default 127.0.0.1; environment OMF_DER_HOST)")
    p.add_argument("--port", type=_port, default=os.environ.get("OMF_DER_PORT") or "5000",
                   help="port (default 5000; environment OMF_DER_PORT)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="folder of the runs (default ./runs; environment OMF_DER_DATA_DIR)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="runs computed at the same time (default 2; environment OMF_DER_MAX_WORKERS)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (InputError, InputErrors) as exc:
        if args.debug:
            raise
        errors = exc.errors if isinstance(exc, InputErrors) else [exc]
        for err in errors:
            print(f"omf-der: {err.message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as exc:
        if args.debug:
            raise
        print(f"omf-der: {exc.filename or ''}: {exc.strerror or exc}".replace(": :", ":"), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so in one line, keep the traceback behind --debug
        if args.debug:
            raise
        print(f"omf-der: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
