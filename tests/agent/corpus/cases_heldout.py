"""The held-out corpus: written with the tuned one, never used to tune the rules."""

from tests.agent.corpus.runner import Case

ASK = "ASK_USER"

CASES = [
    Case("form.html", 'Please put "Morgan" in the First name box', {"first": "Morgan"}),
    Case("form.html", "fill out Last name: Kim", {"last": "Kim"}),
    Case("form.html", "Pick France as your country", {"country": "France"}),
    Case("form.html", "Select the red option", {"colour": "red"}),
    Case(
        "form.html",
        "Accept the terms, then hit the Submit button",
        {"terms": True, "submitted": True},
    ),
    Case("single.html", 'Type "Dana" in the input and click Submit', {"submitted": "Dana"}),
    Case("login.html", "Login using username dave and password pw123", {"login": "dave/pw123"}),
    Case("inputs.html", 'Enter "beta" into the 2nd text input', {"t2": "beta", "t1": ""}),
    Case("inputs.html", "Move the volume slider to 9", {"vol": "9"}),
    Case("inputs.html", "Click the Submit button", {"submitted": True}),
    Case("listeners.html", "Click the word cherry", {"word": "cherry"}),
    Case("listeners.html", "Open the message from Carol", {"opened": "Carol"}),
    Case("listeners.html", "Close the dialog", {"closed": True}),
    Case("listeners.html", "Press START to begin", {"started": True}),
    Case("aria.html", "Open the Billing tab", {"tab": "Billing"}),
    Case("aria.html", "Enable dark mode", {"dark": True}),
    Case("aria.html", "Select the Pro radio button", {"plan": "Pro"}),
    Case("shadow.html", "Enter a@b.co as your email, then press Join", {"joined": "a@b.co"}),
    Case("frame.html", 'Select "Bug report" from the topic dropdown', {"topic": "Bug report"}),
    Case("shop.html", "Type WELCOME into the coupon box and click Apply", {"coupon": "WELCOME"}),
    Case("shop.html", "Get rid of my account", {}, ASK),
    Case("list.html", "Choose the third link", {"link": "three"}),
    Case("search.html", "Look up comedy films", {"query": "comedy films"}),
    Case("blog.html", 'Set the title to "Spring" and then save the draft', {"draft": "Spring"}),
]
