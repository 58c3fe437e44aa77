#!/usr/bin/env python3
"""Build the AutoCRM demo-shop data files from two public data sets.

How to run (from the repository root; Python >= 3.9, standard library only):

    python3 tools/demo-data/extract.py
    python3 tools/demo-data/extract.py --tau2 DIR --bitext DIR --out DIR   # other locations

Defaults: --tau2 /work/shared/datasets/tau2-retail (db.json, LICENSE),
          --bitext /work/shared/datasets/bitext-cs (dev.csv),
          --out <repo>/crates/autocrm/demo.

Writes (and overwrites):
    <out>/shop.json              customers, products (+variants), orders, subscriptions
    <out>/tickets.json           300 support-ticket scripts
    <out>/ATTRIBUTION.md         sources, licences, transformations
    <out>/LICENSE-tau2-retail    copy of the tau2-retail MIT licence

The script is deterministic: every random choice comes from random.Random
instances seeded with fixed values, every derived value (phone numbers,
carriers) from sha256, and inputs are iterated in sorted order.  Running it
twice gives byte-identical files.  It validates its own output at the end and
exits non-zero if a check fails.
"""

import argparse
import csv
import hashlib
import json
import os
import random
import re
import string
import sys
from decimal import Decimal, ROUND_HALF_UP

SEED = 20261121
N_CUSTOMERS = 400
N_TICKETS = 300
N_SUBSCRIPTIONS = 60
MAX_VARIANTS = 6

SHOP = {
    "name": "Everline",
    "website": "https://www.everline.example",
    "support_email": "support@everline.example",
    "support_phone": "+18005550142",
    "support_phone_display": "+1 (800) 555-0142",
    "support_hours": "8 am to 8 pm ET, Monday to Friday",
    "currency": "USD",
}
AGENTS = ["Anna Berg", "Marco Rossi", "Priya Shah", "Tom Novak"]

CHANNEL_MIX = [("email", 165), ("chat", 90), ("sms", 45)]
STATUS_MIX = [("new", 30), ("open", 60), ("pending", 36), ("on_hold", 15),
              ("solved", 105), ("closed", 54)]
# ticket age ranges (hours) per status; everything lies within the last 60 days
AGE_RANGE = {"new": (1, 30), "open": (3, 240), "pending": (12, 360),
             "on_hold": (24, 480), "solved": (24, 1200), "closed": (240, 1440)}

CATEGORY = {
    "T-Shirt": "Apparel", "Fleece Jacket": "Apparel",
    "Running Shoes": "Footwear", "Sneakers": "Footwear", "Hiking Boots": "Footwear",
    "Action Camera": "Electronics", "Bluetooth Speaker": "Electronics",
    "Digital Camera": "Electronics", "E-Reader": "Electronics", "Gaming Mouse": "Electronics",
    "Headphones": "Electronics", "Laptop": "Electronics", "Mechanical Keyboard": "Electronics",
    "Portable Charger": "Electronics", "Smart Watch": "Electronics", "Smartphone": "Electronics",
    "Tablet": "Electronics", "Wireless Earbuds": "Electronics",
    "Indoor Security Camera": "Smart Home", "Smart Thermostat": "Smart Home",
    "LED Light Bulb": "Smart Home",
    "Air Purifier": "Home & Kitchen", "Coffee Maker": "Home & Kitchen",
    "Electric Kettle": "Home & Kitchen", "Espresso Machine": "Home & Kitchen",
    "Tea Kettle": "Home & Kitchen", "Vacuum Cleaner": "Home & Kitchen", "Wall Clock": "Home & Kitchen",
    "Bookshelf": "Home Office", "Office Chair": "Home Office", "Desk Lamp": "Home Office",
    "Notebook": "Home Office",
    "Garden Hose": "Outdoor", "Grill": "Outdoor", "Patio Umbrella": "Outdoor",
    "Bicycle": "Sports & Fitness", "Cycling Helmet": "Sports & Fitness",
    "Dumbbell Set": "Sports & Fitness", "Yoga Mat": "Sports & Fitness",
    "Skateboard": "Sports & Fitness", "Water Bottle": "Sports & Fitness",
    "Backpack": "Bags", "Luggage Set": "Bags",
    "Makeup Kit": "Beauty", "Perfume": "Beauty", "Electric Toothbrush": "Beauty",
    "Sunglasses": "Accessories", "Wristwatch": "Accessories",
    "Jigsaw Puzzle": "Toys & Games", "Pet Bed": "Pets",
}
# products that plausibly get re-ordered every month ("subscribe & save")
SUBSCRIBABLE = ["Perfume", "Makeup Kit", "LED Light Bulb", "Notebook",
                "Electric Toothbrush", "Jigsaw Puzzle", "Water Bottle", "Yoga Mat", "T-Shirt"]
SUBSCRIPTION_DISCOUNT = Decimal("0.90")

AREA_CODES = {
    "Denver": "303", "Jacksonville": "904", "Columbus": "614", "Dallas": "214",
    "New York": "212", "San Diego": "619", "San Francisco": "415", "Phoenix": "602",
    "Charlotte": "704", "Austin": "512", "Philadelphia": "215", "San Jose": "408",
    "Los Angeles": "213", "Fort Worth": "817", "San Antonio": "210", "Washington": "202",
    "Seattle": "206", "Indianapolis": "317", "Chicago": "312", "Houston": "713",
}
COUNTRY_CODES = {"USA": "US"}
CARRIERS = [("FedEx", 5), ("UPS", 3), ("USPS", 2)]

PROFANITY = re.compile(r"\b(god)?damn|bloody|fuck|shit|crap|hell\b|\bass\b|bitch|stupid|idiot",
                       re.I)

# ---------------------------------------------------------------------------
# Per-intent scripting: weight (share of the 300 tickets), order handling,
# priority profile, tags, subjects, pending question, resolution.
# Template fields: {order} {item} {total} {refund} {payment} {carrier}
# {tracking} {invoice} {first} {email} {zip} {city} {street} {product}
# {shop} {phone} {support_email}.  A template whose fields are not available
# for a ticket (e.g. {tracking} on an unshipped order) is skipped.
# ---------------------------------------------------------------------------
INTENTS = {
    "track_order": dict(
        group="shipping", weight=30, order=True, prio="normal", tags=["shipping", "wismo"],
        subjects=["Where is my order {order}?", "Tracking update for {order}",
                  "Order {order} hasn't arrived yet", "Status of my {item} order"],
        question=[("delivered", "Could you check with your neighbours or your building's mailroom and let me know if the parcel turned up there?"),
                  ("!delivered", "Can you confirm that {street}, {city} {zip} is still the right delivery address?")],
        resolution=[("delivered", "According to {carrier}, order {order} was delivered to {street}, {city} (tracking {tracking}). If you can't find it, let me know and I'll open a trace with the carrier."),
                    ("!delivered", "Good news: order {order} is on its way with {carrier} (tracking number {tracking}) and should reach you within the next 2 business days."),
                    ("!delivered", "I've checked with {carrier}: your parcel (tracking {tracking}) is out for delivery today. You can follow it with the tracking link in your shipping email."),
                    ("pending", "Order {order} is packed and leaves our warehouse today; you'll get the tracking link by email as soon as the carrier scans it.")],
    ),
    "delivery_period": dict(
        group="shipping", weight=16, order=True, prio="normal", tags=["shipping"],
        subjects=["When will {order} be delivered?", "Delivery time for order {order}",
                  "How long does shipping take?", "Expected delivery date for my {item}"],
        question=["Do you need the parcel by a specific date? If so, let me know and I'll see whether we can upgrade the shipping.",
                  "Could you confirm the ZIP code for the delivery so I can give you an exact estimate?"],
        resolution=[("!delivered", "Order {order} ships with {carrier} (tracking {tracking}); standard delivery to {city} takes 3 to 5 business days, so it should be with you by the end of the week."),
                    ("pending", "Your order {order} will ship within 1 to 2 business days, and standard delivery to {city} then takes 3 to 5 business days. You'll get the tracking link by email as soon as it leaves our warehouse.")],
    ),
    "delivery_options": dict(
        group="shipping", weight=8, order=False, prio="low", tags=["shipping", "pre-sale"],
        subjects=["Shipping options", "Do you offer express delivery?", "Question about delivery options",
                  "Do you ship internationally?"],
        question=["Which ZIP code should I check the delivery options for?"],
        resolution=["We offer standard shipping (3 to 5 business days, free over $50), express (1 to 2 business days) and next-day delivery in most US cities. At the moment we only ship within the US."],
    ),
    "change_shipping_address": dict(
        group="shipping", weight=14, order=True, prio="normal", tags=["address", "order-change"],
        subjects=["Change shipping address for {order}", "Wrong address on order {order}",
                  "Please update my delivery address", "New address for my order"],
        question=["Could you send me the complete new address, including apartment number and ZIP code?",
                  "Should the new address only apply to order {order}, or should I also make it your default address?"],
        resolution=["I've updated the shipping address on order {order}. You'll receive a confirmation email with the new address in a few minutes.",
                    "Done: order {order} will now be shipped to your new address. Nothing else changes on the order."],
    ),
    "set_up_shipping_address": dict(
        group="shipping", weight=5, order=False, prio="low", tags=["address", "account"],
        subjects=["Add a new shipping address", "Can't save my address", "Set up a delivery address"],
        question=["Could you send me the full address you'd like to add, including the ZIP code?"],
        resolution=["I've added the new address to your account and set it as your default, so it will be preselected at checkout from now on."],
    ),
    "cancel_order": dict(
        group="order", weight=20, order=True, prio="normal", tags=["cancellation"],
        subjects=["Cancel order {order}", "Please cancel my order {order}", "Cancellation request: {order}",
                  "I ordered the wrong {item}"],
        question=["Before I cancel order {order}: could you confirm the reason, is it no longer needed, or was it ordered by mistake?",
                  "Just to confirm: you'd like me to cancel the whole order {order} ({total}), correct?"],
        resolution=[("cancelled", "I've cancelled order {order}. The full amount of {total} will be refunded to your {payment}. {refund_eta}"),
                    ("cancelled", "Order {order} is cancelled and the refund of {total} is on its way to your {payment}. You'll get a confirmation email shortly."),
                    ("!cancelled", "As agreed, I've left order {order} as it is and it will ship as planned. If you change your mind before it ships, just reply here.")],
    ),
    "change_order": dict(
        group="order", weight=16, order=True, prio="normal", tags=["order-change"],
        subjects=["Change items in order {order}", "Can I modify order {order}?",
                  "Swap the {item} in my order", "Wrong size/colour in order {order}"],
        question=["Which option would you like instead (colour, size, etc.)? Please list all the changes at once, as an order can only be modified one time.",
                  "Should any price difference be charged to or refunded to your {payment}?"],
        resolution=["I've updated the items in order {order} as requested. You'll receive an updated order confirmation by email, and the order will ship in the next 1 to 2 business days.",
                    "Done: order {order} has been modified. Any price difference has been settled with your {payment}."],
    ),
    "place_order": dict(
        group="order", weight=8, order=False, prio="normal", tags=["pre-sale", "checkout"],
        subjects=["Help placing an order", "Can't complete checkout", "Question about ordering a {product}",
                  "How do I order the {product}?"],
        question=["Which product (and which colour/size) would you like to order?",
                  "Could you send me a screenshot of the error you see at checkout?"],
        resolution=["The checkout problem was on our side and is fixed now; you should be able to complete your order for the {product}. Let me know if anything still gets in the way!",
                    "You're all set: add the {product} to your cart, go to checkout and choose your delivery option. Your confirmation email arrives within a few minutes of payment."],
    ),
    "check_cancellation_fee": dict(
        group="order", weight=6, order=False, prio="low", tags=["cancellation", "fees"],
        subjects=["Is there a cancellation fee?", "Cancellation fee question", "Fees for cancelling an order"],
        question=["Is this about an order you've already placed? If so, could you send me the order number?"],
        resolution=["There's no cancellation fee: an order can be cancelled free of charge as long as it hasn't shipped yet, and you get the full amount back."],
    ),
    "get_refund": dict(
        group="refund", weight=22, order=True, prio="high", tags=["refund", "return"],
        subjects=["Refund request for order {order}", "I want my money back for {order}",
                  "Return and refund: {item}", "Refund for a faulty {item}"],
        question=["Would you like the refund to go back to your {payment}, or would you prefer a gift card (which is instant)?",
                  "Could you confirm which items from order {order} you're sending back?"],
        resolution=[("refunded", "I've issued a refund of {refund} for order {order} to your {payment}. {refund_eta}"),
                    ("!refunded", "Your return for order {order} has been approved. I've emailed you a prepaid return label; the refund of {total} goes to your {payment} as soon as the parcel is scanned by the carrier.")],
    ),
    "track_refund": dict(
        group="refund", weight=14, order=True, prio="high", tags=["refund"],
        subjects=["Status of my refund for {order}", "Refund not received yet", "Where is my refund?"],
        question=[("!giftcard", "Could you check your {payment} statement once more and let me know whether a pending credit of {refund} shows up?"),
                  ("giftcard", "Could you check your gift card balance once more and let me know whether the {refund} shows up?"),
                  "Do you have the tracking number of your return parcel, so I can check whether it has reached our warehouse?"],
        resolution=[("refunded", "I checked: the refund of {refund} for order {order} was sent to your {payment}. {refund_eta}"),
                    ("refunded", "The refund of {refund} for order {order} has been processed on our side. If your bank still doesn't show it in 3 business days, reply here and I'll send you the transaction reference."),
                    ("!refunded", "I checked order {order}: the refund of {total} is triggered as soon as the returned parcel reaches our warehouse, which should be in the next few days. It goes straight back to your {payment}.")],
    ),
    "check_refund_policy": dict(
        group="refund", weight=9, order=False, prio="low", tags=["refund", "policy"],
        subjects=["Question about your refund policy", "What is your return window?",
                  "Can I still return an item?"],
        question=["Is this about a specific order? If so, could you send me the order number so I can check it for you?"],
        resolution=["In short: delivered items can be returned within 30 days for a full refund to the original payment method or as a gift card, and pending orders can be cancelled free of charge. Just reply here if you'd like a return label."],
    ),
    "complaint": dict(
        group="feedback", weight=16, order=True, prio="high", tags=["complaint"],
        subjects=["Very disappointed with order {order}", "Complaint about my {item}",
                  "Poor service on order {order}", "Not happy with my {item}"],
        question=["Could you send us a photo of the {item} so we can pass it on to our quality team?",
                  "Would you prefer a replacement or a full refund?"],
        resolution=["I'm really sorry about the trouble with your {item}. I've arranged a free replacement and added a $20 gift card to your account as an apology.",
                    ("refunded", "Thank you for your patience. I've issued a full refund of {refund} for order {order} to your {payment}, and passed your feedback on to our quality team.")],
    ),
    "review": dict(
        group="feedback", weight=8, order=True, prio="low", tags=["feedback"],
        subjects=["Feedback on my {item}", "I'd like to leave a review", "Great experience with order {order}"],
        question=["Would it be OK for us to feature your comment on our website?"],
        resolution=["Thank you for taking the time to share this! I've passed your feedback on to the team, and you can also leave a public review on the {item} product page at any time."],
    ),
    "payment_issue": dict(
        group="payment", weight=14, order=True, prio="high", tags=["payment"],
        subjects=["Payment problem with order {order}", "My card was declined", "Charged twice for order {order}",
                  "Payment failed at checkout"],
        question=["Could you tell me the amount and date of the charge(s) you see on your statement?",
                  "Which payment method did you try to use: your {payment} or a different one?"],
        resolution=["I checked with our payments team: the first attempt was declined and released, so you were only charged once ({total}) for order {order}. The pending hold disappears within 3 business days.",
                    "The payment for order {order} ({total}) has now gone through on your {payment}, and the order is confirmed."],
    ),
    "check_payment_methods": dict(
        group="payment", weight=7, order=False, prio="low", tags=["payment", "pre-sale"],
        subjects=["Which payment methods do you accept?", "Can I pay with PayPal?", "Payment options"],
        question=["Which payment method were you hoping to use?"],
        resolution=["We accept Visa, Mastercard, American Express, PayPal and {shop} gift cards. Unfortunately we can't offer cash on delivery."],
    ),
    "check_invoice": dict(
        group="payment", weight=9, order=True, prio="normal", tags=["invoice", "billing"],
        subjects=["Invoice for order {order}", "Can't find my invoice", "Question about invoice {invoice}"],
        question=["Should the invoice be issued to you personally or to a company? If it's a company, please send me its name and address."],
        resolution=["Invoice {invoice} for order {order} (total {total}) is now available under My Account > Orders, and I've also emailed a copy to {email}."],
    ),
    "get_invoice": dict(
        group="payment", weight=9, order=True, prio="normal", tags=["invoice", "billing"],
        subjects=["Need a copy of invoice {invoice}", "Please send the invoice for {order}", "Invoice download not working"],
        question=["Would you like the invoice as a PDF by email, or is the download link in your account enough?"],
        resolution=["I've emailed invoice {invoice} for order {order} to {email} as a PDF. You can also download it any time under My Account > Orders."],
    ),
    "create_account": dict(
        group="account", weight=4, order=False, prio="low", tags=["account"],
        subjects=["Help creating an account", "Sign-up question", "How do I open an account?"],
        question=["Which email address would you like to use for the new account?"],
        resolution=["Your account is set up. I've sent an activation link to {email}; it's valid for 24 hours."],
    ),
    "delete_account": dict(
        group="account", weight=6, order=False, prio="normal", tags=["account", "privacy"],
        subjects=["Delete my account", "Please close my account", "Account deletion request"],
        question=["Can you confirm the email address and ZIP code on your account so I can verify it's you?"],
        resolution=["Your account has been closed and your personal data will be deleted within 30 days. Invoices for past orders are kept for tax purposes only."],
    ),
    "edit_account": dict(
        group="account", weight=7, order=False, prio="low", tags=["account"],
        subjects=["Update my account details", "Change the name on my account", "Edit my profile"],
        question=["Can you confirm the email address and ZIP code on your account so I can verify it's you?",
                  "Which details would you like me to change, exactly?"],
        resolution=["I've updated your account details; you'll see the change under My Account > Profile."],
    ),
    "recover_password": dict(
        group="account", weight=10, order=False, prio="normal", tags=["account", "login"],
        subjects=["Forgot my password", "Password reset not working", "Can't log in to my account"],
        question=["Could you check your spam folder for an email from {support_email} and let me know if the reset link is there?",
                  "Can you confirm the email address and ZIP code on your account so I can verify it's you?"],
        resolution=["I've sent a fresh password reset link to {email}; it's valid for one hour. If it doesn't arrive, please check your spam folder."],
    ),
    "registration_problems": dict(
        group="account", weight=5, order=False, prio="normal", tags=["account", "bug"],
        subjects=["Problem registering", "Registration error", "Sign-up confirmation email never arrived"],
        question=["Could you send me a screenshot of the error message you get?"],
        resolution=["The sign-up problem was caused by a bug on our side and has been fixed. Please try again; the confirmation email should arrive within a few minutes."],
    ),
    "switch_account": dict(
        group="account", weight=4, order=False, prio="low", tags=["account"],
        subjects=["Switch account type", "Change to a different account", "Upgrade my account"],
        question=["Which account would you like to switch to?"],
        resolution=["Done: your account has been switched. You'll see the change the next time you log in."],
    ),
    "newsletter_subscription": dict(
        group="account", weight=4, order=False, prio="low", tags=["newsletter"],
        subjects=["Newsletter subscription", "Unsubscribe me from the newsletter", "Sign me up for the newsletter"],
        question=["Would you like to change all marketing emails, or just the weekly newsletter?"],
        resolution=["You're all set: I've updated the newsletter preferences for {email}."],
    ),
    "contact_customer_service": dict(
        group="contact", weight=6, order=False, prio="normal", tags=["contact"],
        subjects=["How do I contact customer service?", "What are your support hours?", "Need to reach support"],
        question=["What can I help you with today?"],
        resolution=["You can always reach us here by email, via chat on our website, or by phone at {phone} ({hours})."],
    ),
    "contact_human_agent": dict(
        group="contact", weight=9, order=False, prio="high", tags=["escalation"],
        subjects=["I want to talk to a real person", "Speak to a human agent please", "Need a human, not a bot"],
        question=["Could you tell me a bit more about what you need help with, so I can sort it out right away?"],
        resolution=["You've got a real person now, and I've taken care of this for you. If anything else comes up, just reply to this message and it comes straight to me."],
    ),
}

TEAM = {"shipping": "warehouse", "order": "fulfilment", "refund": "payments", "payment": "billing",
        "account": "technical", "feedback": "quality", "contact": "support"}

NOTES = {
    "generic": ["Verified the customer via email + ZIP ({zip}) per policy.",
                "@{other} can you take a look? You handled a similar case last week.",
                "Customer has {n_orders} with us, all in good standing.",
                "Escalated to Tier 2, waiting for their input.",
                "Customer was a bit frustrated on the phone earlier, let's keep them updated proactively.",
                "Used the standard macro, adjusted the wording."],
    "shipping": ["Checked with warehouse, parcel is at the depot.",
                 "Opened a trace with {carrier} for {tracking}.",
                 "{carrier} tracking {tracking} shows no scan for 3 days, chasing them.",
                 ("!delivered", "Warehouse confirms {order} left the building, label printed."),
                 "Address on {order} matches the customer profile ({city})."],
    "order": [("pending", "{order} is still pending, so it can be changed or cancelled per policy."),
              "Asked for the cancellation reason (policy: no longer needed / ordered by mistake).",
              "Only one item modification allowed per order, double-checked the list with the customer.",
              "Stock check: the requested variant is available."],
    "refund": [("refunded", "Refund of {refund} to {payment} approved."),
               ("refunded", "Refund already processed on our side, delay is on the bank's end."),
               "Return label emailed; refund once the parcel is scanned back in.",
               "Gift card refunds are instant, cards take 5-7 business days. Told the customer."],
    "payment": ["Payment log for {order}: one declined auth, one successful charge of {total}.",
                "Invoice {invoice} regenerated with the correct billing name.",
                "Checked with finance, no duplicate capture on our side."],
    "account": ["Password reset token re-issued, old tokens revoked.",
                "Verified identity via email + ZIP before touching the account.",
                "Deletion request logged, 30-day window.",
                "Marketing consent updated in the newsletter tool."],
    "feedback": ["Forwarded to the product team with photos.",
                 "Offered a $20 gift card as goodwill, approved by {other}.",
                 "Quality issue with {item}, third report this month.",
                 "Lovely feedback, shared it in the team channel."],
    "contact": ["Customer asked for a human after the bot reply, taking over.",
                "Tried to call back at {customer_phone}, no answer, left a voicemail."],
}

CUSTOMER_REPLY = {
    "track_order": ["Thanks. It's order {order}, the {item}.", ("delivered", "I checked with my neighbours, nothing so far."),
                    "The address is still {street}, {city} {zip}.", "OK, thanks. I need it before the weekend though."],
    "delivery_period": ["OK, thanks. I need it before the weekend though.", "My ZIP is {zip}.", "Thanks, it's order {order}."],
    "delivery_options": ["I'm in {city}, ZIP {zip}.", "OK. How much is express?", "Thanks, that helps."],
    "change_shipping_address": ["The new address is {new_street}, {city} {zip}.", "Only for this order please.",
                                "Yes, please make it my default address too."],
    "set_up_shipping_address": ["It's {new_street}, {city} {zip}.", "I tried again, still an error when I click save."],
    "cancel_order": ["Yes, please go ahead.", "I don't need it anymore.", "I ordered it by mistake, sorry about that.",
                     "Yes, the whole order please."],
    "change_order": ["I'd like a different colour please, same size.", "Can you swap the {item} for the next size up?",
                     "Yes, charge the difference to my {payment}."],
    "place_order": ["I'd like to order the {product}.", "It just says 'payment could not be processed'.",
                    "I'm using the website on my phone."],
    "check_cancellation_fee": ["I haven't ordered yet, just checking.", "Good to know, thanks.", "It's order {order}."],
    "get_refund": ["Back to my {payment} please.", "Thanks. I sent the item back on Monday.", "OK. How long will it take?",
                   "It's the {item} from order {order}."],
    "track_refund": ["Nothing on my statement yet.", "OK, I'll check again tomorrow.", "It's been more than a week already."],
    "check_refund_policy": ["It's for a gift I bought last month.", "OK, thanks. Does that apply to sale items too?",
                            "Good to know."],
    "complaint": ["Sure, I'll send photos later today.", "I'd prefer a replacement.", "Honestly, I just want my money back.",
                  "Thanks for listening, I appreciate it."],
    "review": ["Yes, feel free to use it.", "Sure, happy to help!", "Of course."],
    "payment_issue": ["The charge is {total} and it shows twice on my statement.", "I used my {payment}.",
                      "My bank says the problem is on your side."],
    "check_payment_methods": ["I'd like to pay with Apple Pay.", "Do you accept Amex?", "OK, thanks."],
    "check_invoice": ["In my own name please, no company.", "It's for my company, Acme Design LLC.", "Thanks, it's order {order}."],
    "get_invoice": ["A PDF by email would be great.", "The download button doesn't do anything for me.",
                    "Thanks, it's order {order}."],
    "create_account": ["I'd like to use {email}.", "I tried, but the activation email never arrived.", "OK, thanks."],
    "delete_account": ["Sure: my email is {email} and my ZIP is {zip}.", "Yes, I'm sure. Please delete everything."],
    "edit_account": ["Sure: my email is {email} and my ZIP is {zip}.", "I need to change my last name, I got married.",
                     "Just the phone number, the new one is {customer_phone}."],
    "recover_password": ["Sure: my email is {email} and my ZIP is {zip}.", "I tried that, but I still don't get the email.",
                         "Nothing in spam either."],
    "registration_problems": ["It says 'email already in use', but I never registered.", "I tried two browsers, same thing.",
                              "OK, I'll try again."],
    "switch_account": ["I'd like to switch to a business account.", "Sure: my email is {email} and my ZIP is {zip}."],
    "newsletter_subscription": ["Just the weekly newsletter please.", "All marketing emails please.", "Thanks!"],
    "contact_customer_service": ["I just wanted your phone hours, thanks.", "OK, thanks.", "It's about a return."],
    "contact_human_agent": ["It's about my order {order}.", "I've been waiting for ages, please just sort it out.",
                            "Finally, a human! Thanks."],
}
CUSTOMER_FOLLOWUP = {
    "email": ["Hi again, any update on this? Thanks, {first}",
              "Just following up on my previous email, I still need help with this.",
              ("order_missing", "Sorry, forgot to add: the order number is {order}."),
              "Hello? It's been a while and I haven't heard back.",
              "I also tried calling {phone} but couldn't get through."],
    "chat": ["hello?", "anyone there?", ("order_missing", "it's order {order} btw"), "still waiting..."],
    "sms": ["any update?", ("order_missing", "order is {order}"), "hello??", "pls call me back"],
}
CUSTOMER_THANKS = ["Perfect, thank you!", "Great, thanks for the help {agent_first}.", "Thanks, that's all I needed.",
                   "Got it, thanks!", "Thank you so much, really appreciate it."]
AGENT_CLOSING = ["You're welcome! I'll mark this as solved; just reply if anything else comes up.",
                 "Happy to help! Have a great day.", "Glad we could sort it out. Take care!"]
AGENT_ON_HOLD = {
    "shipping": ["I've opened an investigation with {carrier} for tracking number {tracking}. They usually reply within 2 business days, and I'll update you as soon as I hear back."],
    "generic": ["I've passed this on to our {team} team and put your ticket on hold while they look into it. I'll get back to you as soon as I have an answer, usually within 2 business days.",
                "Thanks for your patience. This needs a check by our {team} team, so I've put the ticket on hold for now; you don't need to do anything in the meantime."],
}
SMS_ACK = ["Hi {first}, thanks for your message! I'm checking order {order} now and will text you back shortly. - {agent_first}, {shop}",
           "Hi {first}, {agent_first} from {shop} here. Looking into this for you now.",
           "Thanks {first}, got it. Give me a few minutes to check. - {agent_first}, {shop}"]
EMAIL_GREETING = ["Hi,", "Hello,", "Hi there,", "Hi {shop} team,", "Good morning,", ""]
EMAIL_SIGNOFF = ["Thanks,\n{first}", "Thank you,\n{first} {last}", "Best,\n{first}", "Regards,\n{first} {last}", "{first}"]
EMAIL_ORDER_LINE = [" My order number is {order}.", "\n\nOrder: {order}", " It's about order {order}.",
                    "\n\n(Order {order}, the {item}.)", " The order number is {order}."]
NEW_STREETS = ["Oak Street", "Maple Avenue", "Cedar Lane", "Park Road", "Lake Drive", "Hill Street", "River Road"]

# placeholder values for the Bitext responses, keyed by lower-cased placeholder text
PH_PHONE = {"customer support phone number", "support phone number", "customer service phone number",
            "phone number", "customer support phone number anonymized", "customer assistance phone number",
            "complaint phone number"}
PH_EMAIL = {"customer support email", "customer support email address", "customer service email",
            "support email", "support email address", "complaint email address",
            "customer service email address"}
PH_HOURS = {"customer support availability", "customer support hours", "customer service hours",
            "support team availability", "operating hours", "customer assistance hours",
            "customer support availability anonymized"}
PH_ORDER = {"order number anonymized", "purchase id anonymized", "order id anonymized",
            "purchase number anonymized"}
PH_FIXED = {
    "live chat": "live chat", "live chat anonymized": "live chat", "chat": "chat",
    "website name": "{shop} website", "website": "website", "company website": "{shop} website",
    "service website": "{shop} website", "website or app": "website or app",
    "website/app name": "{shop} website", "mobile app name": "{shop} app", "mobile app": "{shop} app",
    "website url": "www.everline.example", "company name": "{shop}",
    "email": "email", "phone": "phone", "phone call": "phone call", "email address": "email address",
    "order number": "order number", "tracking number": "tracking number",
    "number of days": "30", "response time": "24 hours", "refund timeframe": "5 to 7 business days",
    "refund processing time frame": "5 to 7 business days", "refund period": "30-day refund period",
    "percentage or full": "full", "business hours": "business hours",
    "processing time": "5 to 7 business days", "refund policy": "refund policy", "billing section": "billing section",
}
PH_NEED = {"bill number anonymized": "invoice", "invoice number anonymized": "invoice",
           "payment method anonymized": "payment", "name field anonymized": "name"}
LABEL_REJECT = re.compile(r"\b(time|date|number|amount|percentage|case|name|hours|days)\b", re.I)
LABEL_RE = re.compile(r"^[A-Z][A-Za-z'&/-]*(?: (?:[A-Z][A-Za-z'&/-]*|or|and|a|an|of|to|by|with|for|my))*$")


class Unresolvable(Exception):
    pass


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def cents(x):
    return int((Decimal(str(x)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def money(c):
    return "${:,}.{:02d}".format(c // 100, c % 100)


def h(*parts):
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest(), 16)


def weighted(pairs, n):
    n %= sum(w for _, w in pairs)
    for v, w in pairs:
        if n < w:
            return v
        n -= w
    raise AssertionError


def fields_of(tpl):
    return {f for _, f, _, _ in string.Formatter().parse(tpl) if f}


def fill(tpl, ctx):
    """Format tpl with ctx; None if a needed field is missing/None.

    tpl may be a (condition, template) pair: the condition names a boolean in
    ctx ("flag" or "!flag") and the template only applies when it holds."""
    if isinstance(tpl, tuple):
        cond, tpl = tpl
        want = not cond.startswith("!")
        if bool(ctx.get(cond.lstrip("!"))) != want:
            return None
    for f in fields_of(tpl):
        if ctx.get(f) is None:
            return None
    return tpl.format(**ctx)


def pick_fill(rng, templates, ctx):
    opts = [t for t in templates if fill(t, ctx) is not None]
    if not opts:
        return None
    return fill(rng.choice(opts), ctx)


def split_sentences(par):
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", par.strip()) if s]


LIST_LINE = re.compile(r"^\s*(\d+\.|[-*\u2022])\s")


def shorten(text, max_sentences=4, soft_chars=650, list_chars=900):
    """Keep the first ~4 sentences; include a numbered list only whole."""
    text = text.strip()
    if len(text) <= soft_chars:
        return text
    paras = []
    for p in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not p:
            continue
        if paras and LIST_LINE.match(p) and LIST_LINE.match(paras[-1].split("\n")[-1]):
            paras[-1] += "\n" + p  # consecutive list items form one block
        else:
            paras.append(p)
    out, count, length = [], 0, 0
    for p in paras:
        lines = p.split("\n")
        if any(LIST_LINE.match(l) for l in lines):
            if length + len(p) <= list_chars and count < max_sentences:
                out.append(p)
                count += 2
                length += len(p)
                continue
            break
        kept = []
        for s in split_sentences(p):
            if count >= max_sentences or (length + len(s) > soft_chars and count > 0):
                break
            kept.append(s)
            count += 1
            length += len(s) + 1
        if kept:
            out.append(" ".join(kept))
        if count >= max_sentences or length >= soft_chars or len(kept) < len(split_sentences(p)):
            break
    while out and out[-1].rstrip().endswith(":"):
        last = out.pop()
        sents = split_sentences(last)[:-1]
        if sents:
            out.append(" ".join(sents))
    if not out:
        out = [" ".join(split_sentences(paras[0])[:max_sentences])]
    return "\n\n".join(out)


def first_sentences(text, n, max_chars):
    first_par = re.split(r"\n\s*\n", text.strip())[0]
    sents = [s for s in split_sentences(first_par) if not LIST_LINE.match(s)]
    out = []
    for s in sents[:n]:
        if out and len(" ".join(out + [s])) > max_chars:
            break
        out.append(s)
    while len(out) > 1 and out[-1].endswith(":"):
        out.pop()
    res = " ".join(out)
    if res.endswith(":"):
        res = res[:-1] + "."
    return res


# ---------------------------------------------------------------------------
# Bitext substitution
# ---------------------------------------------------------------------------
ORDER_NUM_RE = re.compile(r"(?<![\w#$])#?\d{6,}\b")
INVOICE_RE = re.compile(r"#\d{3,5}\b")
AMOUNT_RE = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?|\b\d[\d,]*(?:\.\d+)?\s*(?:dollars|usd|bucks)\b", re.I)


def subst_common(text, row, ctx):
    if "{{" in text:
        text = re.sub(r"\{\{([0-9A-F]{8,}|\d{5,})\}\}", lambda m: "{{Order Number Anonymized}}", text)
    if ORDER_NUM_RE.search(text):
        if not ctx.get("order"):
            raise Unresolvable("order number")
        text = ORDER_NUM_RE.sub(ctx["order"], text)
    if row["entity_type"] == "invoice_id" and INVOICE_RE.search(text):
        if not ctx.get("invoice"):
            raise Unresolvable("invoice")
        text = INVOICE_RE.sub(ctx["invoice"], text)
    if row["entity_type"] == "person_name":
        val = row["entity_value"].strip()
        if val and val in text:
            text = text.replace(val, ctx["name"])
    if AMOUNT_RE.search(text):
        if ctx.get("refund") is None:
            raise Unresolvable("amount")
        text = AMOUNT_RE.sub(ctx["refund"], text)
    return text


def resolve_placeholder(inner, ctx):
    key = inner.strip()
    low = key.lower()
    if low in PH_PHONE:
        return ctx["phone"]
    if low in PH_EMAIL:
        return ctx["support_email"]
    if low in PH_HOURS:
        return ctx["hours"]
    if low in PH_ORDER:
        if not ctx.get("order"):
            raise Unresolvable(key)
        return ctx["order"]
    if low in PH_NEED:
        v = ctx.get(PH_NEED[low])
        if not v:
            raise Unresolvable(key)
        return v
    if low in PH_FIXED:
        return PH_FIXED[low].format(**ctx)
    if "anonymized" in low or re.search(r"\d", key) or len(key.split()) > 4 or LABEL_REJECT.search(key):
        raise Unresolvable(key)
    if LABEL_RE.match(key):
        return '"' + key + '"'
    raise Unresolvable(key)


def subst_response(row, ctx):
    text = subst_common(row["response"], row, ctx)
    # a few responses use [Square Bracket] placeholders instead of {{...}}
    text = text.replace("[{{", "{{").replace("}}]", "}}")
    text = re.sub(r"\[([A-Za-z][^\]\n]{1,60})\]", r"{{\1}}", text)
    text = re.sub(r"\{\{(.*?)\}\}", lambda m: resolve_placeholder(m.group(1), ctx), text)
    text = text.replace('""', '"')
    text = re.sub(r"\b(our|the) website,? %s website" % SHOP["name"], r"the %s website" % SHOP["name"], text)
    if "{{" in text or "}}" in text:
        raise Unresolvable("leftover")
    return text


def subst_instruction(row, ctx):
    text = subst_common(row["instruction"], row, ctx)
    if "{{" in text or "}}" in text:
        raise Unresolvable("leftover")
    return text.strip()


class RowCycler:
    """Hands out Bitext rows of one intent in a fixed shuffled order."""

    def __init__(self, rows, rng):
        self.rows = list(rows)
        rng.shuffle(self.rows)
        self.pos = 0

    def take(self, fn, ctx):
        n = len(self.rows)
        for k in range(n):
            row = self.rows[(self.pos + k) % n]
            try:
                val = fn(row, ctx)
            except Unresolvable:
                continue
            self.pos = (self.pos + k + 1) % n
            return row, val
        raise SystemExit("no usable Bitext row for intent %s" % self.rows[0]["intent"])


# ---------------------------------------------------------------------------
# shop.json
# ---------------------------------------------------------------------------
def phone_for(uid, city, used):
    """US number in the city's area code, in the 555-0100..0199 range that is
    reserved for fictional use, so no real person can be dialled."""
    area = AREA_CODES.get(city, "800")
    for salt in range(1000):
        num = "+1%s55501%02d" % (area, h("phone", uid, str(salt)) % 100)
        if num not in used:
            used.add(num)
            return num
    raise SystemExit("ran out of fictional phone numbers for area code " + area)


def payment_text(pm_id, user):
    pm = user["payment_methods"].get(pm_id)
    src = pm["source"] if pm else pm_id.rsplit("_", 1)[0]
    if src == "credit_card":
        brand = {"visa": "Visa", "mastercard": "Mastercard"}.get((pm or {}).get("brand"), "Credit card")
        return "%s ending %s" % (brand, pm["last_four"]) if pm else "Credit card"
    if src == "paypal":
        return "PayPal"
    if src == "gift_card":
        return "Gift card"
    return src.replace("_", " ").capitalize()


def payment_method(pm):
    """A customer's saved payment method: id, kind, label and (gift cards) balance in cents."""
    out = {"ref": pm["id"], "kind": pm["source"], "label": payment_text(pm["id"], {"payment_methods": {pm["id"]: pm}})}
    if pm["source"] == "gift_card":
        out["balance_cents"] = cents(pm.get("balance", 0))
    return out


def addr(a):
    street = a["address1"] + ((", " + a["address2"]) if a.get("address2") else "")
    return {"street": street, "city": a["city"], "state": a["state"], "zip": a["zip"],
            "country": COUNTRY_CODES.get(a["country"], a["country"])}


def build_shop(db):
    rng = random.Random(SEED)
    users, orders_db, products_db = db["users"], db["orders"], db["products"]
    with_orders = sorted(uid for uid, u in users.items() if u["orders"])
    chosen = sorted(rng.sample(with_orders, N_CUSTOMERS))

    # variants: keep the MAX_VARIANTS most-ordered variants (by the chosen customers)
    refcount = {}
    for uid in chosen:
        for oid in users[uid]["orders"]:
            for it in orders_db[oid]["items"]:
                refcount[it["item_id"]] = refcount.get(it["item_id"], 0) + 1
    kept = {}
    products = []
    for pid in sorted(products_db, key=lambda p: (products_db[p]["name"], p)):
        p = products_db[pid]
        if p["name"] not in CATEGORY:
            raise SystemExit("no category for product %r" % p["name"])
        ranked = sorted(p["variants"], key=lambda v: (-refcount.get(v, 0), v))[:MAX_VARIANTS]
        keep = [v for v in p["variants"] if v in ranked]  # keep tau2 order
        kept[pid] = keep
        products.append({
            "ref": pid, "name": p["name"], "category": CATEGORY[p["name"]],
            "variants": [{"ref": v, "options": p["variants"][v]["options"],
                          "price_cents": cents(p["variants"][v]["price"]),
                          "available": bool(p["variants"][v]["available"])} for v in keep],
        })

    remapped = 0

    def map_variant(pid, vid):
        nonlocal remapped
        if vid in kept[pid]:
            return vid
        remapped += 1
        src = products_db[pid]["variants"][vid]

        def score(k):
            o = products_db[pid]["variants"][k]
            same = sum(1 for key, val in src["options"].items() if o["options"].get(key) == val)
            return (-same, abs(cents(o["price"]) - cents(src["price"])), k)
        return min(kept[pid], key=score)

    used_phones = set()
    customers, orders = [], []
    total_mismatch = 0
    for uid in chosen:
        u = users[uid]
        spent = 0
        for oid in u["orders"]:
            o = orders_db[oid]
            items = []
            for it in o["items"]:
                vid = map_variant(it["product_id"], it["item_id"])
                items.append({"product_ref": it["product_id"], "variant_ref": vid, "name": it["name"],
                              "price_cents": cents(it["price"])})
            total = sum(i["price_cents"] for i in items)
            paid = sum(cents(t["amount"]) for t in o["payment_history"] if t["transaction_type"] == "payment")
            if paid != total:
                total_mismatch += 1
            refunded = sum(cents(t["amount"]) for t in o["payment_history"] if t["transaction_type"] == "refund")
            pay_ids = [t["payment_method_id"] for t in o["payment_history"] if t["transaction_type"] == "payment"]
            fulf = []
            for f in o["fulfillments"]:
                if sorted(f["item_ids"]) != sorted(it["item_id"] for it in o["items"]):
                    raise SystemExit("partial fulfilment in %s (not supported by the output format)" % oid)
                for tid in f["tracking_id"]:
                    fulf.append({"tracking_id": tid, "carrier": weighted(CARRIERS, h("carrier", tid))})
            if o["status"] != "cancelled":
                spent += total
            orders.append({
                "ref": oid, "customer_ref": uid, "status": o["status"], "age_hours": 0,
                "items": items, "total_cents": total, "refunded_cents": refunded, "currency": "USD",
                "payment_method": payment_text(pay_ids[0], u) if pay_ids else "Unknown",
                "payment_method_ref": pay_ids[0] if pay_ids else None,
                "shipping_address": None if o["address"] == u["address"] else addr(o["address"]),
                "fulfillments": fulf,
            })
        a = addr(u["address"])
        customers.append({
            "ref": uid, "first_name": u["name"]["first_name"], "last_name": u["name"]["last_name"],
            "email": u["email"], "phone": phone_for(uid, u["address"]["city"], used_phones),
            "street": a["street"], "city": a["city"], "state": a["state"], "zip": a["zip"],
            "country": a["country"], "tags": [], "orders": list(u["orders"]), "_spent": spent,
            "payment_methods": [payment_method(pm) for _, pm in sorted(u["payment_methods"].items())],
        })
    # VIP: top ~12 % by lifetime spend
    ranked = sorted(customers, key=lambda c: (-c["_spent"], c["ref"]))
    for c in ranked[: len(customers) * 12 // 100]:
        c["tags"] = ["vip"]
    for c in customers:
        del c["_spent"]
    stats = {"remapped_items": remapped, "total_mismatch": total_mismatch}
    return {"customers": customers, "products": products, "orders": orders}, stats


def base_order_age(rng, status):
    lo, hi = {"pending": (6, 96), "processed": (24, 168), "delivered": (168, 2160),
              "cancelled": (48, 2160)}[status]
    return rng.randint(lo, hi)


def build_subscriptions(shop):
    rng = random.Random(SEED + 3)
    prod = {p["ref"]: p for p in shop["products"]}
    cand = {}
    for o in shop["orders"]:
        if o["status"] == "cancelled":
            continue
        for it in o["items"]:
            if prod[it["product_ref"]]["name"] in SUBSCRIBABLE:
                cand.setdefault(o["customer_ref"], [])
                if (it["product_ref"], it["variant_ref"]) not in cand[o["customer_ref"]]:
                    cand[o["customer_ref"]].append((it["product_ref"], it["variant_ref"]))
    custs = sorted(cand)
    if len(custs) < N_SUBSCRIPTIONS:
        raise SystemExit("only %d subscription candidates" % len(custs))
    picked = sorted(rng.sample(custs, N_SUBSCRIPTIONS))
    statuses = ["active"] * 42 + ["paused"] * 9 + ["cancelled"] * 9
    rng.shuffle(statuses)
    subs = []
    for i, cref in enumerate(picked):
        pref, vref = rng.choice(sorted(cand[cref]))
        p = prod[pref]
        v = next(x for x in p["variants"] if x["ref"] == vref)
        price = int((Decimal(v["price_cents"]) * SUBSCRIPTION_DISCOUNT).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        st = statuses[i]
        started = "2026-%02d-%02d" % (rng.randint(1, 10), rng.randint(1, 28)) if rng.random() < 0.8 else \
            "2025-%02d-%02d" % (rng.randint(6, 12), rng.randint(1, 28))
        nxt = {"active": "2026-12-%02d" % rng.randint(1, 28),
               "paused": "2027-%02d-%02d" % (rng.randint(1, 2), rng.randint(1, 28)),
               "cancelled": None}[st]
        subs.append({
            "ref": "SUB-%d" % (1001 + i), "customer_ref": cref, "product_ref": pref, "variant_ref": vref,
            "name": "%s (%s)" % (p["name"], ", ".join(str(x) for x in v["options"].values())),
            "interval": "month", "quantity": 1, "price_cents": price, "currency": "USD",
            "status": st, "started_on": started, "next_charge_date": nxt,
        })
    return subs


# ---------------------------------------------------------------------------
# tickets.json
# ---------------------------------------------------------------------------
def order_prefs(intent, status):
    done = status in ("solved", "closed")
    return {
        "cancel_order": ["cancelled", "pending"] if done else ["pending"],
        "change_order": ["pending"], "change_shipping_address": ["pending"],
        "track_order": ["delivered", "processed"] if done else ["processed", "pending"],
        "delivery_period": ["processed", "pending"],
        "get_refund": ["cancelled", "delivered"] if done else ["delivered"],
        "track_refund": ["cancelled"],
        "complaint": ["delivered"], "review": ["delivered"],
        "payment_issue": ["pending", "processed", "delivered"],
        "check_invoice": ["delivered", "processed", "pending"],
        "get_invoice": ["delivered", "processed", "pending"],
    }.get(intent, [])


def exact_counts(weights, total):
    s = sum(weights.values())
    raw = {k: Decimal(w) * total / s for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), k))[:rest]:
        out[k] += 1
    return out


def sentence_case(s):
    s = re.sub(r"(^|\s)i(?=\s|'|$)", lambda m: m.group(1) + "I", s.strip())
    s = s[:1].upper() + s[1:]
    if s and s[-1] not in ".?!":
        q = re.match(r"(how|can|could|what|where|when|why|is|are|do|does|would|will|which|who|may)\b", s, re.I)
        s += "?" if q else "."
    return s


def build_tickets(shop, bitext_rows):
    rng = random.Random(SEED + 7)
    cust = {c["ref"]: c for c in shop["customers"]}
    orders = {o["ref"]: o for o in shop["orders"]}
    prod = {p["ref"]: p for p in shop["products"]}
    cust_orders = {}
    for o in shop["orders"]:
        cust_orders.setdefault(o["customer_ref"], []).append(o)

    usable = [r for r in bitext_rows if "W" not in r["tags"] and not PROFANITY.search(r["instruction"])
              and not PROFANITY.search(r["response"])]
    by_intent = {}
    for r in usable:
        by_intent.setdefault(r["intent"], []).append(r)
    missing = set(INTENTS) ^ set(by_intent)
    if missing:
        raise SystemExit("intent mismatch with Bitext: %s" % sorted(missing))
    instr_cyc = {i: RowCycler(by_intent[i], rng) for i in sorted(by_intent)}
    resp_cyc = {i: RowCycler(by_intent[i], rng) for i in sorted(by_intent)}

    counts = exact_counts({k: v["weight"] for k, v in INTENTS.items()}, N_TICKETS)
    intents = [i for i in sorted(counts) for _ in range(counts[i])]
    rng.shuffle(intents)
    statuses = [s for s, n in STATUS_MIX for _ in range(n)]
    rng.shuffle(statuses)
    channels = [c for c, n in CHANNEL_MIX for _ in range(n)]
    rng.shuffle(channels)

    n_tickets = {c: 0 for c in cust}
    cust_refs = sorted(cust)
    product_names = sorted({p["name"] for p in shop["products"]})
    tickets = []
    for idx in range(N_TICKETS):
        intent, status, channel = intents[idx], statuses[idx], channels[idx]
        meta = INTENTS[intent]
        prefs = order_prefs(intent, status)
        # --- customer + order
        eligible = cust_refs
        for st in prefs:
            e = [c for c in cust_refs if any(o["status"] == st for o in cust_orders[c])]
            if e:
                eligible = e
                break
        fresh = [c for c in eligible if n_tickets[c] == 0]
        cref = rng.choice(fresh if fresh and rng.random() < 0.85 else eligible)
        n_tickets[cref] += 1
        c = cust[cref]
        order = None
        if meta["order"]:
            cands = cust_orders[cref]
            for st in prefs:
                m = [o for o in cands if o["status"] == st]
                if m:
                    cands = m
                    break
            order = rng.choice(cands)
        elif intent == "check_cancellation_fee" and rng.random() < 0.3:
            pend = [o for o in cust_orders[cref] if o["status"] == "pending"]
            order = rng.choice(pend) if pend else None
        agent = rng.choice(AGENTS)
        other = rng.choice([a for a in AGENTS if a != agent])
        ctx = {
            "first": c["first_name"], "last": c["last_name"], "name": c["first_name"] + " " + c["last_name"],
            "email": c["email"], "zip": c["zip"], "city": c["city"], "street": c["street"],
            "customer_phone": c["phone"], "n_orders": "1 order" if len(c["orders"]) == 1 else "%d orders" % len(c["orders"]),
            "shop": SHOP["name"], "phone": SHOP["support_phone_display"], "support_email": SHOP["support_email"],
            "hours": SHOP["support_hours"], "team": TEAM[meta["group"]],
            "agent": agent, "agent_first": agent.split()[0], "other": other.split()[0],
            "product": rng.choice(product_names),
            "order": None, "item": None, "total": None, "refund": None, "payment": None,
            "carrier": None, "tracking": None, "invoice": None, "refund_eta": None,
            "new_street": "%d %s" % (rng.randint(10, 999), rng.choice(NEW_STREETS)),
            "pending": False, "delivered": False, "cancelled": False, "refunded": False,
        }
        if order:
            ctx.update({
                "order": order["ref"], "item": order["items"][0]["name"],
                "total": money(order["total_cents"]),
                "refund": money(order["refunded_cents"] or order["total_cents"]),
                "payment": "gift card" if order["payment_method"] == "Gift card" else order["payment_method"],
                "refund_eta": "Gift card refunds are immediate, so it should already be there."
                if order["payment_method"] == "Gift card" else
                "Depending on your bank it can take 5 to 7 business days to show up.",
                "pending": order["status"] == "pending", "delivered": order["status"] == "delivered",
                "cancelled": order["status"] == "cancelled", "refunded": order["refunded_cents"] > 0,
                "giftcard": order["payment_method"] == "Gift card",
                "invoice": "INV-" + order["ref"].lstrip("#W"),
            })
            if order["fulfillments"] and order["status"] != "cancelled":
                ctx["carrier"] = order["fulfillments"][0]["carrier"]
                ctx["tracking"] = order["fulfillments"][0]["tracking_id"]

        # --- subject
        subject = pick_fill(rng, meta["subjects"], ctx)

        # --- message builders
        def wrap_agent(body, first_msg):
            if channel == "email":
                return "Hi %s,\n\n%s\n\nBest regards,\n%s\n%s Customer Care" % (ctx["first"], body, agent, SHOP["name"])
            if channel == "chat":
                return ("Hi %s, %s here! %s" % (ctx["first"], ctx["agent_first"], body)) if first_msg else body
            return "%s - %s" % (body, ctx["agent_first"]) if not first_msg else \
                "Hi %s, %s" % (ctx["first"], body[:1].lower() + body[1:] if body[:2] not in ("I ", "I'") else body)

        def bitext_reply():
            _, text = resp_cyc[intent].take(subst_response, ctx)
            if channel == "email":
                return shorten(text)
            if channel == "chat":
                return first_sentences(text, 3, 380)
            return first_sentences(text, 1, 200)

        def instruction(row, ctx):
            if channel == "email" and "K" in row["tags"]:
                raise Unresolvable("keyword-only utterance reads badly as an email")
            return subst_instruction(row, ctx)

        row, utter = instr_cyc[intent].take(instruction, ctx)
        if channel == "email":
            body = sentence_case(utter)
            if ctx["order"] and ctx["order"] not in body and rng.random() < 0.8:
                body += pick_fill(rng, EMAIL_ORDER_LINE, ctx)
            greet = rng.choice(EMAIL_GREETING).format(**ctx)
            first_msg = ((greet + "\n\n") if greet else "") + body + "\n\n" + rng.choice(EMAIL_SIGNOFF).format(**ctx)
        elif channel == "chat":
            first_msg = ("hi, " if rng.random() < 0.25 else "") + utter
        else:
            first_msg = " ".join(split_sentences(utter)[:2])[:160]
            if ctx["order"] and ctx["order"] not in first_msg and rng.random() < 0.5:
                first_msg += " (%s)" % ctx["order"]

        ctx["order_missing"] = bool(ctx["order"]) and ctx["order"] not in first_msg

        def note():
            return pick_fill(rng, NOTES[meta["group"]] + NOTES["generic"], ctx)

        def customer_reply():
            return pick_fill(rng, CUSTOMER_REPLY[intent], ctx) or "OK, thanks."

        def agent_first_reply():
            if channel == "sms":
                return pick_fill(rng, SMS_ACK, ctx)
            return wrap_agent(bitext_reply(), True)

        def agent_question(first):
            q = pick_fill(rng, meta["question"], ctx) or "Could you send me a few more details so I can help?"
            if first and channel == "email":
                return wrap_agent(bitext_reply() + "\n\n" + q, True)
            if first and channel == "chat":
                return wrap_agent(q, True)
            return wrap_agent(q, first) if channel != "sms" else "%s - %s" % (q, ctx["agent_first"])

        def agent_resolution(first):
            r = pick_fill(rng, meta["resolution"], ctx) or \
                "I've taken care of this for you. Just reply here if you need anything else."
            if channel == "sms":
                return "%s - %s" % (r, ctx["agent_first"])
            return wrap_agent(r, first)

        def agent_on_hold(first):
            b = pick_fill(rng, (AGENT_ON_HOLD["shipping"] if meta["group"] == "shipping" else []) +
                          AGENT_ON_HOLD["generic"], ctx)
            return wrap_agent(b, first) if channel != "sms" else "%s - %s" % (b, ctx["agent_first"])

        # --- conversation patterns
        patterns = {
            "new": [["C", "CF"]],
            "open": [["C", "A", "CR"], ["C", "N", "A", "CR"], ["C", "A", "CR", "N"], ["C", "CF", "A", "CR"]],
            "pending": [["C", "AQ"], ["C", "A", "CR", "AQ"], ["C", "N", "AQ"], ["C", "A", "CR", "N", "AQ"]],
            "on_hold": [["C", "AH", "N"], ["C", "A", "CR", "AH", "N"], ["C", "N", "AH"]],
            "solved": [["C", "AR"], ["C", "A", "CR", "AR"], ["C", "N", "AR"], ["C", "A", "CR", "N", "AR"],
                       ["C", "A", "CR", "AR", "CT", "AC"]],
        }
        patterns["closed"] = patterns["solved"]
        pattern = rng.choice(patterns[status])

        gaps = {"email": {"agent": (30, 900), "customer": (20, 1440), "note": (5, 240)},
                "chat": {"agent": (1, 6), "customer": (1, 5), "note": (1, 10)},
                "sms": {"agent": (5, 120), "customer": (2, 180), "note": (5, 120)}}[channel]
        messages, t, agent_spoke = [], 0, False
        for kind in pattern:
            if kind == "C":
                frm, body = "customer", first_msg
            elif kind == "CF":
                frm, body = "customer", pick_fill(rng, CUSTOMER_FOLLOWUP[channel], ctx)
            elif kind == "CR":
                frm, body = "customer", customer_reply()
            elif kind == "CT":
                frm, body = "customer", pick_fill(rng, CUSTOMER_THANKS, ctx)
            elif kind == "N":
                frm, body = "note", note()
            elif kind == "A":
                frm, body = "agent", agent_first_reply()
            elif kind == "AQ":
                frm, body = "agent", agent_question(not agent_spoke)
            elif kind == "AR":
                frm, body = "agent", agent_resolution(not agent_spoke)
            elif kind == "AH":
                frm, body = "agent", agent_on_hold(not agent_spoke)
            elif kind == "AC":
                b = pick_fill(rng, AGENT_CLOSING, ctx)
                frm, body = "agent", (wrap_agent(b, False) if channel == "email" else b)
            if frm == "agent":
                agent_spoke = True
            if messages:
                lo, hi = gaps["customer" if frm == "customer" else frm]
                if kind == "CF" and channel == "email":
                    lo, hi = 60, 1440
                t += rng.randint(lo, hi)
            if frm == "customer":
                author = ctx["name"]
            elif frm == "note" and ctx["other"] not in body and rng.random() < 0.3:
                author = other
            else:
                author = agent
            messages.append({"from": frm, "author": author, "body": body, "after_minutes": t})

        lo, hi = AGE_RANGE[status]
        age = rng.randint(lo, hi)
        limit = age * 60 - 2
        if messages[-1]["after_minutes"] > limit:
            scale = Decimal(limit) / Decimal(messages[-1]["after_minutes"])
            prev = 0
            for m in messages:
                m["after_minutes"] = max(prev, int(Decimal(m["after_minutes"]) * scale))
                prev = m["after_minutes"]

        # --- priority / tags
        vip = "vip" in c["tags"]
        p = meta["prio"]
        roll = rng.random()
        if p == "low":
            prio = "low" if roll < 0.45 else "normal"
        elif p == "normal":
            prio = "low" if roll < 0.08 else ("high" if roll > 0.9 else "normal")
        else:
            prio = "normal" if roll < 0.45 else ("high" if roll < 0.87 else "urgent")
        if vip and prio in ("low", "normal") and rng.random() < 0.4:
            prio = {"low": "normal", "normal": "high"}[prio]
        tag_pool = list(meta["tags"])
        r = rng.random()
        tags = [] if r < 0.12 else (tag_pool[:1] if r < 0.5 else tag_pool[:2])
        if vip:
            tags.append("vip")
        tags = tags[:3]

        first_item_pid = order["items"][0]["product_ref"] if order else None
        tickets.append({
            "ref": None, "customer_ref": cref, "channel": channel, "subject": subject,
            "category": row["category"], "intent": intent, "priority": prio, "status": status,
            "assignee": None if status == "new" else agent, "tags": tags,
            "order_ref": order["ref"] if order else None,
            "product_category": prod[first_item_pid]["category"] if first_item_pid else None,
            "age_hours": age, "messages": messages, "_bitext": row["id"],
        })

    tickets.sort(key=lambda x: (x["age_hours"], x["customer_ref"], x["intent"]))
    for i, tk in enumerate(tickets):
        tk["ref"] = "DEMO-%04d" % (i + 1)
    # order ages: consistent with status and older than any ticket about the order
    orng = random.Random(SEED + 11)
    min_age = {}
    for tk in tickets:
        if tk["order_ref"]:
            min_age[tk["order_ref"]] = max(min_age.get(tk["order_ref"], 0), tk["age_hours"])
    for o in shop["orders"]:
        a = base_order_age(orng, o["status"])
        if o["ref"] in min_age:
            a = max(a, min_age[o["ref"]] + orng.randint(6, 72))
        o["age_hours"] = a
    used_rows = sorted({tk.pop("_bitext") for tk in tickets})
    return tickets, used_rows


# ---------------------------------------------------------------------------
# validation + attribution
# ---------------------------------------------------------------------------
def validate(shop, tickets_doc, shop_bytes, tickets_bytes):
    errs = []
    tickets = tickets_doc["tickets"]
    cust = {c["ref"]: c for c in shop["customers"]}
    orders = {o["ref"]: o for o in shop["orders"]}
    variants = {(p["ref"], v["ref"]) for p in shop["products"] for v in p["variants"]}

    def check(cond, msg):
        if not cond:
            errs.append(msg)

    check(len(cust) == N_CUSTOMERS, "customer count")
    check(len(tickets) == N_TICKETS, "ticket count")
    check(len(shop["subscriptions"]) == N_SUBSCRIPTIONS, "subscription count")
    for blob, name in ((shop_bytes, "shop.json"), (tickets_bytes, "tickets.json")):
        check(b"{{" not in blob and b"}}" not in blob, "placeholder braces left in " + name)
    check(len(shop_bytes) < 800 * 1024, "shop.json too big: %d" % len(shop_bytes))
    check(all(len(p["variants"]) <= MAX_VARIANTS for p in shop["products"]), "variant cap")
    for c in shop["customers"]:
        check(re.fullmatch(r"\+1\d{10}", c["phone"]) is not None, "phone " + c["ref"])
        for oid in c["orders"]:
            check(oid in orders and orders[oid]["customer_ref"] == c["ref"], "customer order " + oid)
    for o in shop["orders"]:
        check(o["customer_ref"] in cust, "order customer " + o["ref"])
        check(o["total_cents"] == sum(i["price_cents"] for i in o["items"]), "order total " + o["ref"])
        for i in o["items"]:
            check((i["product_ref"], i["variant_ref"]) in variants, "order variant " + o["ref"])
        check(all(f["tracking_id"] and f["carrier"] for f in o["fulfillments"]), "fulfilment " + o["ref"])
    for s in shop["subscriptions"]:
        check(s["customer_ref"] in cust and (s["product_ref"], s["variant_ref"]) in variants, "sub " + s["ref"])
    for tk in tickets:
        r = tk["ref"]
        check(tk["customer_ref"] in cust, "ticket customer " + r)
        if tk["order_ref"] is not None:
            check(tk["order_ref"] in orders and orders[tk["order_ref"]]["customer_ref"] == tk["customer_ref"],
                  "ticket order " + r)
            check(orders[tk["order_ref"]]["age_hours"] > tk["age_hours"], "order younger than ticket " + r)
        ms = tk["messages"]
        check(2 <= len(ms) <= 6, "message count " + r)
        check(ms[0]["from"] == "customer" and ms[0]["after_minutes"] == 0, "first message " + r)
        check(all(a["after_minutes"] <= b["after_minutes"] for a, b in zip(ms, ms[1:])), "timing order " + r)
        check(ms[-1]["after_minutes"] < tk["age_hours"] * 60, "message in the future " + r)
        check(all(m["body"].strip() for m in ms), "empty body " + r)
        check(not any(re.search(r"\[[A-Za-z][^\]]*\]|\{|\}", m["body"]) for m in ms), "placeholder left " + r)
        check(0 <= len(tk["tags"]) <= 3, "tags " + r)
        check(1 <= tk["age_hours"] <= 1440, "age " + r)
        if tk["status"] == "new":
            check(all(m["from"] == "customer" for m in ms), "new with non-customer msg " + r)
        if tk["status"] in ("solved", "closed"):
            check(ms[-1]["from"] == "agent", "solved not ending with agent " + r)
        if tk["status"] == "pending":
            check(ms[-1]["from"] == "agent" and "?" in ms[-1]["body"], "pending not ending with question " + r)
        if tk["channel"] == "sms":
            check(all(len(m["body"]) <= 320 for m in ms if m["from"] != "note"), "sms too long " + r)
    mix = {}
    for tk in tickets:
        mix[tk["channel"]] = mix.get(tk["channel"], 0) + 1
    for ch, n in CHANNEL_MIX:
        check(abs(mix.get(ch, 0) - n) <= N_TICKETS * 0.03, "channel mix " + ch)
    return errs


def attribution(stats):
    return """# Demo data: sources and attribution

The files in this directory are demo data for the AutoCRM demo workspace of a
fictional online shop ("{shop}").  They are generated by
`tools/demo-data/extract.py` (deterministic; re-run it to reproduce them).

| File | Derived from | Licence of the data |
|------|--------------|---------------------|
| `shop.json` | tau2-retail | MIT (see `LICENSE-tau2-retail`) |
| `tickets.json` | Bitext (customer messages, agent replies) + tau2-retail (customers, orders) + text written for AutoCRM | CDLA-Sharing-1.0 (Bitext-derived data), MIT parts as above |

## tau2-retail (τ²-bench retail domain)

- Source: GitHub `sierra-research/tau2-bench`, `data/tau2/domains/retail/db.json`
  at commit `a2c0247` (Barres et al. 2025, "τ²-Bench: Evaluating Conversational
  Agents in a Dual-Control Environment", arXiv 2506.07982).
- Licence: MIT License, Copyright (c) 2025 Sierra Research.  The full licence
  text is in `LICENSE-tau2-retail` next to this file.
- Transformations:
  - {n_customers} of the 438 users that have at least one order were sampled
    (fixed seed); their orders are all included.  Names, e-mail addresses,
    user/order/product/variant ids and addresses are kept as in tau2 (all
    fictional).  Phone numbers are synthetic (US E.164 in the city's area
    code, fictional 555-01xx range, derived from a hash of the user id);
    country "USA" became "US"; "vip" tags mark the top 12 % by spend; order
    shipping addresses are only given where they differ from the customer's.
  - Product categories were assigned by hand from the product names.
  - Each product keeps at most {max_variants} variants (those most ordered by
    the sampled customers).  {remapped} order line items pointed at a dropped
    variant and were re-pointed to the closest kept variant of the same product
    (most equal options, then nearest price); their price paid is unchanged.
  - Money was converted from dollars to integer cents; payment methods were
    reduced to short labels; carriers are synthetic (hash of the tracking id);
    order ages (`age_hours`) are synthetic and consistent with order status and
    with the tickets that mention the order.
  - Subscriptions are synthetic: {n_subs} customers who bought a re-orderable
    product (perfume, make-up kit, light bulb, notebook, toothbrush, puzzle,
    water bottle, yoga mat, t-shirt) got a monthly subscription to the variant
    they bought, at 90 % of the catalogue price.

## Bitext customer-support data set

- Attribution: "Bitext - Customer Service Tagged Training Dataset for LLM-based
  Virtual Assistants, (c) Bitext Innovations 2023".
- Source: GitHub `bitext/customer-support-llm-chatbot-training-dataset`, file
  `data/train/Bitext_Sample_Customer_Support_Training_Dataset.csv` at commit
  `337b96868e02b40a05f9c0df3290c65a15ea573e` (AutoCRM's 3,154-row dev split).
- Licence: Community Data License Agreement - Sharing, Version 1.0
  (CDLA-Sharing-1.0), https://cdla.dev/sharing-1-0/ .  `tickets.json` contains
  Enhanced Data derived from this data set and is therefore published under
  CDLA-Sharing-1.0 as well; anyone may use, modify and re-publish it under the
  same agreement.
- Notice of changes (CDLA-Sharing-1.0 section 3.1): `tickets.json` is a modified
  derivative.  {n_rows} Bitext rows were used.  Rows flagged as offensive (tag
  "W") or containing profanity were left out.  The first customer message of each
  ticket is a Bitext `instruction` of the ticket's intent, with order numbers,
  invoice numbers, person names and amounts replaced by the demo customer's
  data; e-mail messages got a greeting/sign-off, SMS messages were trimmed.
  Agent replies on e-mail and chat tickets start from the Bitext `response`,
  with `{{{{…}}}}` placeholders filled (support phone/e-mail/hours, shop name,
  order id, UI labels in quotes) and long replies shortened to about four
  sentences (chat: up to three, SMS: one).  `category` and `intent` are Bitext's
  labels.  Subjects, follow-ups, questions, resolutions, internal notes,
  statuses, priorities, tags, ages and timings were written or generated for
  AutoCRM.

## Everything else

The shop name "{shop}", its `.example` web/e-mail addresses, the 555-01xx
support phone number and the agent names are invented for the demo.
""".format(shop=SHOP["name"], n_customers=N_CUSTOMERS, max_variants=MAX_VARIANTS,
           remapped=stats["remapped_items"], n_subs=N_SUBSCRIPTIONS, n_rows=stats["bitext_rows"])


def dump(obj):
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def main():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tau2", default="/work/shared/datasets/tau2-retail")
    ap.add_argument("--bitext", default="/work/shared/datasets/bitext-cs")
    ap.add_argument("--out", default=os.path.join(repo, "crates", "autocrm", "demo"))
    args = ap.parse_args()

    with open(os.path.join(args.tau2, "db.json"), encoding="utf-8") as f:
        db = json.load(f)
    with open(os.path.join(args.tau2, "LICENSE"), encoding="utf-8") as f:
        tau2_license = f.read()
    with open(os.path.join(args.bitext, "dev.csv"), encoding="utf-8", newline="") as f:
        bitext_rows = list(csv.DictReader(f))

    shop, stats = build_shop(db)
    shop["subscriptions"] = build_subscriptions(shop)
    tickets, used_rows = build_tickets(shop, bitext_rows)
    stats["bitext_rows"] = len(used_rows)

    shop_doc = {
        "version": 1,
        "_notice": "Demo data derived from tau2-retail (MIT, Copyright (c) 2025 Sierra Research) by "
                   "tools/demo-data/extract.py; see ATTRIBUTION.md.",
        "shop": SHOP,
        "customers": shop["customers"], "products": shop["products"],
        "orders": shop["orders"], "subscriptions": shop["subscriptions"],
    }
    tickets_doc = {
        "version": 1,
        "_notice": "Modified derivative of \"Bitext - Customer Service Tagged Training Dataset for LLM-based "
                   "Virtual Assistants, (c) Bitext Innovations 2023\", licensed under CDLA-Sharing-1.0 "
                   "(https://cdla.dev/sharing-1-0/); customer/order data from tau2-retail (MIT). "
                   "Generated by tools/demo-data/extract.py; see ATTRIBUTION.md.",
        "agents": [{"name": a, "email": a.lower().replace(" ", ".") + "@everline.example"} for a in AGENTS],
        "tickets": tickets,
    }
    shop_bytes, tickets_bytes = dump(shop_doc), dump(tickets_doc)
    errs = validate(shop_doc, tickets_doc, shop_bytes, tickets_bytes)
    if errs:
        for e in errs[:50]:
            print("INVALID:", e, file=sys.stderr)
        raise SystemExit("validation failed (%d problems)" % len(errs))

    os.makedirs(args.out, exist_ok=True)
    outputs = {"shop.json": shop_bytes, "tickets.json": tickets_bytes,
               "ATTRIBUTION.md": attribution(stats).encode("utf-8"),
               "LICENSE-tau2-retail": tau2_license.encode("utf-8")}
    for name, data in outputs.items():
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(data)

    def dist(key):
        d = {}
        for tk in tickets:
            d[tk[key]] = d.get(tk[key], 0) + 1
        return ", ".join("%s %d" % (k, d[k]) for k in sorted(d, key=lambda k: -d[k]))

    print("wrote %s" % args.out)
    for name, data in outputs.items():
        print("  %-20s %8d bytes" % (name, len(data)))
    print("customers %d, products %d, variants %d, orders %d, subscriptions %d" % (
        len(shop["customers"]), len(shop["products"]),
        sum(len(p["variants"]) for p in shop["products"]), len(shop["orders"]), len(shop["subscriptions"])))
    print("order items re-pointed to a kept variant: %d; orders whose tau2 payment != item sum: %d" % (
        stats["remapped_items"], stats["total_mismatch"]))
    print("tickets %d (Bitext rows used: %d, distinct customers: %d, with order: %d)" % (
        len(tickets), len(used_rows), len({t["customer_ref"] for t in tickets}),
        sum(1 for t in tickets if t["order_ref"])))
    for key in ("channel", "status", "priority", "category"):
        print("  %-9s %s" % (key, dist(key)))
    print("validation OK")


if __name__ == "__main__":
    main()
