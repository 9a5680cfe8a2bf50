"""Events: conferences, webinars, meetups and workshops, with RSVPs and calendars."""
