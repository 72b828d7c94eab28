"""What there is to practise: pack and exercise files, read, validated, written and proven.

``loader`` reads and validates the files, ``packs`` finds them, ``format2`` knows the
code modules and solution markers, ``scaffold`` and ``upgrade`` write packs, and
``verify`` proves a pack's checks against its listed answers.
"""
