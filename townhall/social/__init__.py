"""The social graph: follows, blocks, mutes, likes, comments, shares, views, hashtags, search."""
