"""The tuned corpus: instructions on tests/agent/pages/corpus/*.html and the page state each
must leave (a subset of the page's `snapshot()`). The rules were tuned against these."""

from tests.agent.corpus.runner import Case

ASK = "ASK_USER"

CASES = [
    # native form: labels, loose text, select, radios, checkboxes
    Case("form.html", 'Type "Riley" into the first name field', {"first": "Riley"}),
    Case("form.html", "Enter Smith as the last name", {"last": "Smith"}),
    Case("form.html", "Fill in the email with riley@example.com", {"email": "riley@example.com"}),
    Case("form.html", 'Write "I like hiking" in the About you box', {"bio": "I like hiking"}),
    Case("form.html", "Select Japan from the country dropdown", {"country": "Japan"}),
    Case("form.html", 'Choose "Germany" in the dropdown', {"country": "Germany"}),
    Case("form.html", "Choose the colour Green", {"colour": "green"}),
    Case("form.html", "Click the Blue radio button", {"colour": "blue"}),
    Case("form.html", "Check the newsletter checkbox", {"news": True}),
    Case(
        "form.html",
        'Tick "I accept the terms" and press Submit',
        {"terms": True, "submitted": True},
    ),
    Case(
        "form.html",
        "Fill first name with Ann, last name with Lee, then submit the form",
        {"first": "Ann", "last": "Lee", "submitted": True},
    ),
    Case("form.html", "Focus into the email field", {"focus": "email"}),
    Case("form.html", "Select nothing and click Submit", {"submitted": True, "country": ""}),
    Case("form.html", "Check the second checkbox", {"terms": True, "news": False}),
    # one field: generic references
    Case(
        "single.html", 'Enter "Riley" into the text field and press Submit.', {"submitted": "Riley"}
    ),
    Case("single.html", "Type Hello into the textbox", {"answer": "Hello"}),
    Case("single.html", "Focus into the textbox.", {"focus": "answer"}),
    Case("single.html", 'Put "42" in the input then click Submit', {"submitted": "42"}),
    # credentials
    Case("login.html", "Log in with username alice and password s3cret", {"login": "alice/s3cret"}),
    Case("login.html", "Sign in as bob with password hunter2", {"login": "bob/hunter2"}),
    Case(
        "login.html",
        'Enter the username "carol" and the password "pa ss", then click Log in',
        {"login": "carol/pa ss"},
    ),
    Case("login.html", 'Click "Forgot password?"', {"help": True}),
    # ordinals, positions, sliders, dates, contenteditable
    Case("inputs.html", 'Type "one" into the first text input', {"t1": "one", "t2": ""}),
    Case("inputs.html", "Focus into the 2nd input textbox.", {"focus": "t2"}),
    Case("inputs.html", 'Type "three" into the third textbox', {"t3": "three"}),
    Case("inputs.html", 'Enter "last" in the last text field', {"t3": "last", "t1": ""}),
    Case("inputs.html", "Set the volume slider to 7", {"vol": "7"}),
    Case("inputs.html", "Enter 2026-03-14 as the start date", {"day": "2026-03-14"}),
    Case("inputs.html", "Set the alarm to 07:30", {"alarm": "07:30"}),
    Case("inputs.html", 'Write "Great service" in the comments', {"notes": "Great service"}),
    Case("inputs.html", "Click Cancel", {"cancelled": True}),
    # elements clickable only by script
    Case("listeners.html", "Click START", {"started": True}),
    Case("listeners.html", 'Click on the word "banana"', {"word": "banana"}),
    Case("listeners.html", "Open the email from Bob", {"opened": "Bob"}),
    Case("listeners.html", "Expand the Documents folder", {"expanded": "Documents"}),
    Case("listeners.html", 'Close the dialog box by clicking the "x"', {"closed": True}),
    Case("listeners.html", "Open Settings", {"menu": "settings"}),
    Case("listeners.html", "Press Submit", {"submitted": True}),
    Case("listeners.html", "Select the word cherry", {"word": "cherry"}),
    # ARIA widgets
    Case("aria.html", "Go to the Privacy tab", {"tab": "Privacy"}),
    Case("aria.html", "Click on Billing", {"tab": "Billing"}),
    Case("aria.html", "Turn on dark mode", {"dark": True}),
    Case("aria.html", "Switch off notifications", {"notify": False}),
    Case("aria.html", "Choose the Pro plan", {"plan": "Pro"}),
    Case("aria.html", "Select Spanish from the language dropdown", {"language": "Spanish"}),
    Case("aria.html", 'Click "Save changes"', {"saved": True}),
    # shadow DOM and iframes
    Case(
        "shadow.html",
        "Type me@example.com into the email field and click Join",
        {"joined": "me@example.com"},
    ),
    Case("shadow.html", "Check Weekly digest", {"nl-weekly": True}),
    Case("frame.html", "Choose Billing as the topic", {"topic": "Billing"}),
    Case(
        "frame.html",
        'Write "My invoice is wrong" in the message box and click "Ask a question"',
        {"asked": "My invoice is wrong"},
    ),
    # irreversible steps: asked about unless the person named them
    Case("shop.html", "Enter SAVE10 in the coupon code field and apply it", {"coupon": "SAVE10"}),
    Case("shop.html", "Click Continue shopping", {"continued": True}),
    Case("shop.html", "Finish the checkout", {}, ASK),
    Case("shop.html", "Remove my account", {}, ASK),
    Case("shop.html", "Send the gift card", {"irreversible": "send"}),
    Case(
        "payform.html",
        "Fill the card number with 4242424242424242 and press enter",
        {"card": "4242424242424242"},
        ASK,
    ),
    Case(
        "payform.html", 'Type "Ann Lee" as the name on card and submit', {"holder": "Ann Lee"}, ASK
    ),
    Case("blog.html", 'Type "Hello" as the title and save the draft', {"draft": "Hello"}),
    Case(
        "blog.html",
        'Write "My first post" in the body, then click Preview',
        {"body": "My first post", "preview": True},
    ),
    Case("blog.html", "Submit the post", {}, ASK),
    # lists, dropdowns, ordinals among links and buttons
    Case("list.html", "Select Banana from the list and click Submit", {"submitted": "Banana"}),
    Case("list.html", "Pick Large in the size dropdown", {"size": "Large"}),
    Case("list.html", "Click the second link", {"link": "two"}),
    Case("list.html", "Click the last button", {"button": "C"}),
    Case("list.html", "Click Button B", {"button": "B"}),
    Case("list.html", "Choose Mango from the list", {"fruit": "Mango"}),
    # positions relative to page text
    Case(
        "positions.html",
        'Type "1 Main St" into the field below Billing address',
        {"bill": "1 Main St", "ship": ""},
    ),
    Case("positions.html", 'Click the "Read more" button under Warranty', {"more": "warranty"}),
    Case("positions.html", "Click Read more below Returns", {"more": "returns"}),
    Case("positions.html", "Click Read more", {}, ASK),  # two look-alikes: which one?
    Case(
        "positions.html",
        "Type 9 Elm Rd into the box above Billing address",
        {"ship": "9 Elm Rd", "bill": ""},
    ),
    # search, leading phrases, solve, copy/paste
    Case("search.html", "Search for drama movies", {"query": "drama movies"}),
    Case("search.html", "For the user @sam, click Follow", {"follow": "sam"}),
    Case("search.html", "Open Alien", {"movie": "Alien"}),
    Case("math.html", "Solve the math problem and submit the answer", {"submitted": "42"}),
    Case(
        "copy.html",
        "Copy the text from the first box and paste it into the second box",
        {"dst": "hello world"},
    ),
]
