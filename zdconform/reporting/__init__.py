"""What a run reports: check results, the matrix, findings, evidence, the HTML page, drift."""
