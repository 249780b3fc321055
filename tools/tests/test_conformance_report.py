"""tools/conformance_report.py: IDs come from REQUIREMENTS.md lines, test cases
map to IDs by name, and an ID passes only when every one of its cases passed."""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(os.path.dirname(HERE), "conformance_report.py")

REQS = """# catalogue
- V4-HDR-1 MUST: version != 4 -> silent discard.
- V4-HDR-2 MUST: short header -> discard.
- V6-FRAG-4 MUST: overlap -> discard.
- TCP-CLOSE-1 MUST (RFC 2525 2.17, RFC 1122 4.2.2.13): close with unread data sends RST.
Prose mentioning SEC-FRAG-1 is not an ID line.
"""

JUNIT = """<?xml version="1.0"?>
<testsuite name="s">
  <testcase name="V4_HDR_1_version_not_4_is_dropped"/>
  <testcase name="V6_FRAG_4_overlap_discards"/>
  <testcase name="V6_FRAG_4_overlap_after_last"><failure message="x"/></testcase>
  <testcase name="TCP_CLOSE_1_rst_on_close"/>
  <testcase name="helper_without_id"/>
</testsuite>
"""


class ReportTest(unittest.TestCase):
    def run_tool(self, junit):
        with tempfile.TemporaryDirectory() as tmp:
            reqs = os.path.join(tmp, "REQUIREMENTS.md")
            open(reqs, "w").write(REQS)
            results = os.path.join(tmp, "results")
            os.makedirs(results)
            if junit:
                open(os.path.join(results, "suite.xml"), "w").write(junit)
            r = subprocess.run([sys.executable, TOOL, "--requirements", reqs, "--results", results,
                                "--json", os.path.join(tmp, "r.json")], capture_output=True, text=True)
            import json
            return r.returncode, json.load(open(os.path.join(tmp, "r.json")))

    def test_statuses(self):
        code, report = self.run_tool(JUNIT)
        status = {r["id"]: r["status"] for r in report["requirements"]}
        self.assertEqual(status, {"V4-HDR-1": "pass", "V4-HDR-2": "not covered", "V6-FRAG-4": "fail",
                                  "TCP-CLOSE-1": "pass"})
        self.assertEqual(report["orphans"], ["helper_without_id"])
        self.assertEqual(code, 1)  # a failing requirement fails the report

    def test_nothing_run_is_not_a_pass(self):
        code, report = self.run_tool(None)
        self.assertEqual(report["counts"], {"pass": 0, "fail": 0, "not covered": 4})
        self.assertEqual(code, 0)


if __name__ == "__main__":
    unittest.main()
