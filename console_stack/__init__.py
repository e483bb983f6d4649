"""Code that runs inside the LSST stack's environment, not in the Django process.

The stack (``lsst-daf-butler``, ``lsst-pipe-base``, ``lsst-ctrl-bps``) is installed
in a virtual environment of its own and called through a configurable command
prefix; nothing here imports Django, and nothing in the Django apps imports this
package. The two sides talk through command lines and files whose formats are
documented beside the code that writes them.
"""
