from vanthu.cli import main

if __name__ == "__main__":  # OCR workers are spawned and re-import __main__
    main()
