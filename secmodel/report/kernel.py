"""The report's notebook kernel: IPython's kernel without its debugger.

    python -m secmodel.report.kernel -f CONNECTION_FILE [IPKernelApp options]

ipykernel starts debugpy in every kernel for front ends that debug cells; a report run never
does, and loading it is about a third of the kernel's own start (~0.15 s of CPU). Marking the
module absent is how ipykernel itself copes with an environment without debugpy.
"""

import sys

if __name__ == "__main__":
    sys.modules["debugpy"] = None  # ipykernel: debugger unavailable
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
